// Anthropic's usage, stop reasons and error types, mapped to the provider-neutral shapes.
import type { FinishReason, LlmUsage } from '../../chat/chat.types.js';

/** The usage counters Anthropic reports (`usage` of a message, `message_start`, `message_delta`). @internal */
export interface AnthropicUsageCounts {
  /** Prompt tokens **not** read from or written to the cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** `output_tokens_details.thinking_tokens` (part of `output`), 0 when not reported. */
  thinking: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** All counters 0. @internal */
export const emptyAnthropicUsage = (): AnthropicUsageCounts => ({
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  thinking: 0,
});

/**
 * Reads the counters present in an Anthropic `usage` object onto `into` (absent ones are left as
 * they are: a `message_delta` may carry only `output_tokens`). Returns whether any was present.
 * @internal
 */
export function readAnthropicUsage(usage: unknown, into: AnthropicUsageCounts): boolean {
  if (usage === null || typeof usage !== 'object') return false;
  const u = usage as Record<string, unknown>;
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  const cacheRead = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  const details = u.output_tokens_details;
  const thinking =
    details !== null && typeof details === 'object'
      ? num((details as Record<string, unknown>).thinking_tokens)
      : undefined;
  if (thinking !== undefined) into.thinking = thinking;
  if (input !== undefined) into.input = input;
  if (output !== undefined) into.output = output;
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (cacheWrite !== undefined) into.cacheWrite = cacheWrite;
  return input !== undefined || output !== undefined || cacheRead !== undefined || cacheWrite !== undefined;
}

/**
 * The normalised usage of Anthropic's counters: `inputTokens = input_tokens +
 * cache_read_input_tokens + cache_creation_input_tokens` (Anthropic's `input_tokens` excludes
 * cache tokens); `outputTokens = output_tokens` (thinking included); `reasoningTokens` =
 * `output_tokens_details.thinking_tokens` when the API reports it (newer API versions), else 0
 * (older versions do not split thinking out of `output_tokens`).
 * @internal
 */
export function normalizeAnthropicUsage(c: AnthropicUsageCounts): LlmUsage {
  const inputTokens = c.input + c.cacheRead + c.cacheWrite;
  return {
    inputTokens,
    outputTokens: c.output,
    cacheReadTokens: c.cacheRead,
    cacheWriteTokens: c.cacheWrite,
    reasoningTokens: Math.min(c.thinking, c.output),
    totalTokens: inputTokens + c.output,
  };
}

/** Normalised usage of a Messages response body, or undefined when it has no `usage`. @internal */
export function anthropicUsageOf(body: unknown): LlmUsage | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const counts = emptyAnthropicUsage();
  return readAnthropicUsage((body as { usage?: unknown }).usage, counts) ? normalizeAnthropicUsage(counts) : undefined;
}

/**
 * `stop_reason` → {@link FinishReason}: `end_turn`, `stop_sequence` → `stop`; `max_tokens`,
 * `model_context_window_exceeded` → `length`; `tool_use` → `tool_calls`; `refusal` →
 * `content_filter`; anything else (`pause_turn`, none) → `other`.
 * @internal
 */
export function anthropicFinishReason(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}

/** HTTP status of each Anthropic error type (the status the same error has as a response). @internal */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The status of an error type from a stream's `error` event; unknown types count as 500 (`api_error`). @internal */
export function anthropicErrorStatus(type: unknown): number {
  return typeof type === 'string' && Object.hasOwn(ANTHROPIC_ERROR_STATUS, type) ? ANTHROPIC_ERROR_STATUS[type]! : 500;
}
