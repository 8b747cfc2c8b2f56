/** Statuses worth another attempt (the same ones the library's default retry predicate knows). */
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * A failed call to the quotes provider, shaped for the resilience policies:
 * - `status`: the provider's HTTP status (0 when no answer came: refused, reset, timed out);
 * - `isTransient`: whether a later attempt may succeed (the retry predicate and the
 *   breaker's `isFailure` read it);
 * - `retryAfterMs`: the provider's `Retry-After`, which the retry policy waits for.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly isTransient: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }

  /** The error for an HTTP answer other than 2xx. */
  static fromResponse(status: number, retryAfterHeader: string | null, now: number): UpstreamError {
    const retryAfterMs = parseRetryAfter(retryAfterHeader, now);
    return new UpstreamError(`Quotes provider answered ${status}`, status, TRANSIENT_STATUS.has(status), retryAfterMs);
  }

  /** The error for a call that got no answer (network error or timeout). */
  static fromTransport(cause: unknown): UpstreamError {
    const timedOut = (cause as { name?: unknown } | null)?.name === 'TimeoutError';
    const message = timedOut ? 'Quotes provider did not answer in time' : 'Quotes provider is unreachable';
    return new UpstreamError(message, 0, true, undefined, { cause });
  }
}

/**
 * Parses `Retry-After`: delta-seconds (`'2'`) or an HTTP date. `undefined` when absent or
 * unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP date names a day or month ("Thu, 01 Jan 2026 ..."); Date.parse alone would take "-1".
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
