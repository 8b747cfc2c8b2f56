import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { FinishReason, ParsedChatResponse } from '../../chat/chat.types.js';
import { geminiUsageOf } from './gemini-usage.js';

/** Gemini `finishReason` values that mean the output was blocked. */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
]);

/**
 * Maps a Gemini `finishReason`: `STOP` → `stop` (`tool_calls` when the candidate has a
 * `functionCall` part), `MAX_TOKENS` → `length`, `SAFETY` / `RECITATION` / `BLOCKLIST` /
 * `PROHIBITED_CONTENT` / `SPII` / `IMAGE_SAFETY` / `IMAGE_PROHIBITED_CONTENT` → `content_filter`,
 * anything else (`OTHER`, `LANGUAGE`, `MALFORMED_FUNCTION_CALL`, none) → `other`.
 * @internal
 */
export function geminiFinishReason(raw: string | undefined, toolCall = false): FinishReason {
  if (raw === 'STOP') return toolCall ? 'tool_calls' : 'stop';
  if (raw === 'MAX_TOKENS') return 'length';
  if (raw !== undefined && FILTERED.has(raw)) return 'content_filter';
  return 'other';
}

/** What one GenerateContentResponse (a whole answer or a stream chunk) says. @internal */
export interface GeminiChunk {
  /** Text of the first candidate's parts, thoughts (`thought: true`) left out. */
  text: string;
  /** The first candidate's `finishReason`, or the prompt's `promptFeedback.blockReason`. */
  rawFinishReason?: string;
  /** True when the prompt was blocked (`promptFeedback.blockReason`). */
  blocked: boolean;
  /** A `functionCall` part was present. */
  toolCall: boolean;
  modelVersion?: string;
  responseId?: string;
}

/** Reads one GenerateContentResponse object. @internal */
export function readGeminiChunk(body: unknown): GeminiChunk {
  const out: GeminiChunk = { text: '', blocked: false, toolCall: false };
  if (body === null || typeof body !== 'object') return out;
  const b = body as {
    candidates?: unknown;
    promptFeedback?: { blockReason?: unknown };
    modelVersion?: unknown;
    responseId?: unknown;
  };
  if (typeof b.modelVersion === 'string') out.modelVersion = b.modelVersion;
  if (typeof b.responseId === 'string') out.responseId = b.responseId;
  const first = (Array.isArray(b.candidates) ? b.candidates[0] : undefined) as
    { content?: { parts?: unknown }; finishReason?: unknown } | undefined;
  const parts = first?.content?.parts;
  if (Array.isArray(parts)) {
    for (const p of parts as { text?: unknown; thought?: unknown; functionCall?: unknown }[]) {
      if (p === null || typeof p !== 'object') continue;
      if (p.functionCall !== undefined) out.toolCall = true;
      if (typeof p.text === 'string' && p.thought !== true) out.text += p.text;
    }
  }
  if (typeof first?.finishReason === 'string') out.rawFinishReason = first.finishReason;
  const blockReason = b.promptFeedback?.blockReason;
  if (out.rawFinishReason === undefined && typeof blockReason === 'string') {
    out.rawFinishReason = blockReason;
    out.blocked = true;
  }
  return out;
}

/** The request id of a response: the body's `responseId`, else `x-request-id` / `request-id`. @internal */
export function geminiRequestId(responseId: string | undefined, headers: NormalizedHeaders): string | undefined {
  return responseId ?? headers['x-request-id'] ?? headers['request-id'];
}

/**
 * A 2xx GenerateContentResponse body as a {@link ParsedChatResponse}: text of the first
 * candidate's parts joined (thoughts skipped), finish reason (a blocked prompt is
 * `content_filter`), usage ({@link geminiUsageOf}), `model` = `modelVersion`, `requestId` =
 * `responseId` (or an `x-request-id` / `request-id` header).
 * @internal
 */
export function parseGeminiResponse(body: unknown, headers: NormalizedHeaders): ParsedChatResponse {
  const c = readGeminiChunk(body);
  const out: ParsedChatResponse = {
    text: c.text,
    usage: geminiUsageOf(body),
    finishReason: c.blocked ? 'content_filter' : geminiFinishReason(c.rawFinishReason, c.toolCall),
  };
  if (c.rawFinishReason !== undefined) out.rawFinishReason = c.rawFinishReason;
  if (c.modelVersion !== undefined) out.model = c.modelVersion;
  const requestId = geminiRequestId(c.responseId, headers);
  if (requestId !== undefined) out.requestId = requestId;
  return out;
}
