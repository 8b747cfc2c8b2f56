import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { LlmUsage, ParsedChatResponse } from '../../chat/chat.types.js';
import type { SseEvent, StreamParser, StreamParserContext } from '../provider.js';
import { geminiMalformedStreamError, geminiStreamError } from './gemini-errors.js';
import { geminiFinishReason, geminiRequestId, readGeminiChunk } from './gemini-response.js';
import { geminiUsage } from './gemini-usage.js';

/**
 * The parser of one `:streamGenerateContent?alt=sse` stream. Each SSE event's data is one
 * GenerateContentResponse chunk:
 * - its first candidate's text parts (thoughts skipped) are the delta `push` returns
 *   (`undefined` when the chunk has no text);
 * - the **last** `usageMetadata` seen is the stream's usage (Gemini repeats it on chunks; the
 *   final chunk has the complete counts);
 * - the last `finishReason` (or `promptFeedback.blockReason`) is the finish reason;
 * - a chunk `{ "error": {...} }` throws the typed error ({@link geminiStreamError});
 * - data that is not a JSON object throws `UpstreamServerError` `invalid_stream_data`.
 *
 * Both errors name `context.url` and scrub `context.secrets` when a `context` is given (the
 * transport gives it); without one they name `GEMINI_STREAM_URL`.
 *
 * Gemini sends no terminal event: the stream ends with the HTTP body, so `push` never returns
 * `'done'` (except for a `[DONE]` data line, which some Gemini-compatible gateways send).
 * @internal
 */
export function createGeminiStreamParser(headers: NormalizedHeaders, context?: StreamParserContext): StreamParser {
  let text = '';
  let usage: LlmUsage | undefined;
  let rawFinishReason: string | undefined;
  let blocked = false;
  let toolCall = false;
  let model: string | undefined;
  let responseId: string | undefined;
  return {
    push(event: SseEvent): string | 'done' | undefined {
      const data = event.data.trim();
      if (data === '') return undefined;
      if (data === '[DONE]') return 'done';
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        throw geminiMalformedStreamError(context);
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw geminiMalformedStreamError(context);
      const obj = parsed as Record<string, unknown>;
      if (obj.error !== undefined && obj.error !== null) throw geminiStreamError(obj, headers, context);
      const c = readGeminiChunk(obj);
      const u = geminiUsage(obj.usageMetadata);
      if (u !== undefined) usage = u;
      if (c.rawFinishReason !== undefined) {
        rawFinishReason = c.rawFinishReason;
        blocked = c.blocked;
      }
      if (c.toolCall) toolCall = true;
      if (c.modelVersion !== undefined) model = c.modelVersion;
      if (c.responseId !== undefined) responseId = c.responseId;
      if (c.text === '') return undefined;
      text += c.text;
      return c.text;
    },
    result(): ParsedChatResponse {
      const out: ParsedChatResponse = {
        text,
        usage,
        finishReason: blocked ? 'content_filter' : geminiFinishReason(rawFinishReason, toolCall),
      };
      if (rawFinishReason !== undefined) out.rawFinishReason = rawFinishReason;
      if (model !== undefined) out.model = model;
      const requestId = geminiRequestId(responseId, headers);
      if (requestId !== undefined) out.requestId = requestId;
      return out;
    },
  };
}
