import type { FinishReason, LlmUsage } from '../../chat/chat.types.js';

/** A non-negative finite token count, else 0. */
function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/**
 * Normalised usage of an OpenAI `usage` object (chat completion, or the last chunk of a stream
 * sent with `stream_options.include_usage`), or undefined when there is none:
 * `prompt_tokens` (already includes cached tokens) → `inputTokens`, `completion_tokens`
 * (already includes reasoning tokens) → `outputTokens`, `prompt_tokens_details.cached_tokens`
 * → `cacheReadTokens`, `completion_tokens_details.reasoning_tokens` → `reasoningTokens`,
 * `cacheWriteTokens` 0 (OpenAI does not bill cache writes), `totalTokens` = input + output
 * (the wire's `total_tokens` is not read). Missing or non-numeric counts are 0.
 * @publicApi
 */
export function openAIUsage(usage: unknown): LlmUsage | undefined {
  if (usage === null || typeof usage !== 'object' || Array.isArray(usage)) return undefined;
  const u = usage as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  const inputTokens = count(u.prompt_tokens);
  const outputTokens = count(u.completion_tokens);
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: count(u.prompt_tokens_details?.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: count(u.completion_tokens_details?.reasoning_tokens),
    totalTokens: inputTokens + outputTokens,
  };
}

/**
 * OpenAI `finish_reason` → {@link FinishReason}: `stop` → stop, `length` → length,
 * `content_filter` → content_filter, `tool_calls` and (legacy) `function_call` → tool_calls,
 * anything else (or none) → other.
 * @publicApi
 */
export function openAIFinishReason(raw: unknown): FinishReason {
  switch (raw) {
    case 'stop':
    case 'length':
    case 'content_filter':
      return raw;
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    default:
      return 'other';
  }
}
