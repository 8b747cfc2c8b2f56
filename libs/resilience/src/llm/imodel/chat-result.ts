import type { NormalizedHeaders } from '../../http/headers/headers.js';
import type { ChatRequest, ChatResult, ParsedChatResponse, ProviderName } from '../chat/chat.types.js';

/** What an iModel adds to a provider's parsed response. @internal */
export interface ResultContext {
  readonly modelName: string;
  readonly model: string;
  readonly provider: ProviderName;
  readonly fallbackFrom: string[];
  readonly estimatedTokens: number;
  readonly eventId: string;
  readonly latencyMs: number;
  readonly headers: NormalizedHeaders;
  readonly raw: unknown;
  readonly metadata: Record<string, unknown> | undefined;
}

/** The {@link ChatResult} of one answered call. @internal */
export function chatResult(parsed: ParsedChatResponse, c: ResultContext): ChatResult {
  const out: ChatResult = {
    text: parsed.text,
    usage: parsed.usage,
    finishReason: parsed.finishReason,
    latencyMs: c.latencyMs,
    modelName: c.modelName,
    model: parsed.model ?? c.model,
    provider: c.provider,
    fallbackFrom: c.fallbackFrom,
    estimatedTokens: c.estimatedTokens,
    eventId: c.eventId,
    raw: c.raw,
    headers: c.headers,
  };
  if (parsed.rawFinishReason !== undefined) out.rawFinishReason = parsed.rawFinishReason;
  if (parsed.requestId !== undefined) out.requestId = parsed.requestId;
  if (c.metadata !== undefined) out.metadata = c.metadata;
  return out;
}

/** The reservation of a chat call: the estimator's input count (a finite count >= 0, rounded up) + max output tokens. @internal */
export function chatEstimate(input: number, request: ChatRequest, maxTokens: number): number {
  const n = typeof input === 'number' && Number.isFinite(input) && input > 0 ? Math.ceil(input) : 0;
  return n + (request.maxTokens ?? maxTokens);
}

/** Output caps a raw payload may carry (OpenAI, Anthropic, Gemini). @internal */
export function payloadMaxTokens(payload: Record<string, unknown>): number | undefined {
  for (const v of [
    payload.max_completion_tokens,
    payload.max_tokens,
    (payload.generationConfig as { maxOutputTokens?: unknown } | undefined)?.maxOutputTokens,
  ])
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.ceil(v);
  return undefined;
}

/**
 * The default reservation of `invoke(payload)` without `tokens`: a rough input count (the JSON
 * body's length / 4, rounded up) + the payload's output cap (`max_completion_tokens`,
 * `max_tokens`, `generationConfig.maxOutputTokens`), else the model's `maxTokens`.
 * @internal
 */
export function rawEstimate(bodyText: string, payload: Record<string, unknown>, maxTokens: number): number {
  return Math.ceil(bodyText.length / 4) + (payloadMaxTokens(payload) ?? maxTokens);
}
