/** One limit window as a provider reports it. All fields optional. @publicApi */
export interface RateLimitWindow {
  /** Units allowed per window. */
  limit?: number;
  /** Units left in the current window. */
  remaining?: number;
  /** Ms from `now` until the window resets (never negative). */
  resetMs?: number;
}

/**
 * Rate-limit state parsed from response headers, normalized across providers.
 * Only the parts a response actually reported are present.
 * @publicApi
 */
export interface RateLimitInfo {
  /** Request-count window (OpenAI / Anthropic `requests`, IETF and generic `x-ratelimit-*`). */
  requests?: RateLimitWindow;
  /** Token window (OpenAI `tokens`; Anthropic `tokens`, the most restrictive token limit). */
  tokens?: RateLimitWindow;
  /** Anthropic input-token window. */
  inputTokens?: RateLimitWindow;
  /** Anthropic output-token window. */
  outputTokens?: RateLimitWindow;
  /** From `retry-after-ms` / `retry-after`. */
  retryAfterMs?: number;
  /** Which header family the windows came from. */
  source?: 'openai' | 'anthropic' | 'ietf' | 'generic';
}
