/** One request counted against the quota (see {@link UpstreamQuota.count}). */
export interface QuotaCount {
  /** `x-ratelimit-limit-requests`, `x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`. */
  headers: Record<string, string>;
  /** Milliseconds until the window resets. */
  resetMs: number;
  /** True when the request is over the quota (answered 429). */
  exceeded: boolean;
}

/**
 * The simulated provider's real quota: `limit` requests per fixed window of `windowMs` (timed
 * by `now`), and the OpenAI-style rate-limit headers every answer carries.
 */
export class UpstreamQuota {
  private windowStart = 0;
  private windowCount = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts one request (a new window starts once the last one is over). */
  count(): QuotaCount {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    const resetMs = this.windowStart + this.windowMs - now;
    const headers: Record<string, string> = {
      'x-ratelimit-limit-requests': String(this.limit),
      'x-ratelimit-remaining-requests': String(Math.max(0, this.limit - this.windowCount)),
      'x-ratelimit-reset-requests': formatDuration(resetMs),
    };
    return { headers, resetMs, exceeded: this.windowCount > this.limit };
  }
}

/** Formats a duration the way OpenAI-style rate-limit headers do: `'1s'`, `'250ms'`, `'1m30s'`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const seconds = Math.ceil(total / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${seconds % 60}s` : `${seconds}s`;
}
