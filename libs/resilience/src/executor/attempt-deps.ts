// What the executor's attempt loop (executor-attempt.ts) runs on, and its small steps: giving
// tokens back, the wait signal, the upstream's hints, the cancelled check.
import type { Clock } from '../core/clock.js';
import type { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import type { RetryPolicy } from '../core/retry/retry.policy.js';
import type { BucketBackend } from '../core/store/store.js';
import { isUpstreamRateLimitError } from '../http/errors/status.error.js';
import type { AdaptiveRateLimiter } from '../http/limiters/adaptive-rate-limiter.js';
import type { NetworkRequestEvent } from './network-request-event.js';
import { RequestStatus } from './request-status.js';
import type { TokenCalibration } from './token-calibration.js';

/** What the attempt loop runs on (the executor's composed policies). @internal */
export interface AttemptDeps {
  readonly clock: Clock;
  readonly requests: BucketBackend;
  readonly tokens: BucketBackend | undefined;
  readonly maxWaitMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly adaptive: AdaptiveRateLimiter | undefined;
  readonly calibration: TokenCalibration;
  /** Per lane: the most tokens one admission may take (burst × min(maxShare, 1 − floorShare)). */
  readonly maxReservation: readonly number[];
  /** True with lanes (a laned bucket may make a call wait whatever its level: the wait always gets a signal). */
  readonly laned: boolean;
  /** Until when a 429 paused the buckets (clock ms; a wait before then always gets a signal). */
  pausedUntil: number;
  /**
   * A request token that waited longer than this for the tokens reservation is given back and
   * taken again before the call (a sliding window counts it from its admission); Infinity: never.
   */
  readonly requestStaleMs: number;
}

/**
 * Gives back `n` tokens of an attempt that was never called: a refund when they were admitted in
 * this run (`at` NaN), else a settle to 0 after `now − at` ms (nothing once they left the window).
 */
export function giveBack(d: AttemptDeps, bucket: BucketBackend, n: number, at: number, lane: number): void {
  if (Number.isNaN(at)) bucket.refund(n, lane);
  else bucket.settle(n, 0, d.clock.now() - at, lane);
}

/** A 429 with a hint pauses both buckets until then; every upstream answer feeds the adaptive limiter. */
export function onUpstreamHints(d: AttemptDeps, error: unknown, sentAt: number): void {
  const e = error as { headers?: Record<string, string>; status?: number; retryAfterMs?: number };
  if (d.adaptive !== undefined && e !== null && typeof e === 'object' && e.headers !== undefined)
    d.adaptive.updateFromHeaders(e.headers, e.status, sentAt);
  if (isUpstreamRateLimitError(error) && error.retryAfterMs !== undefined && !error.quotaExhausted) {
    const until = d.clock.now() + error.retryAfterMs;
    if (until > d.pausedUntil) d.pausedUntil = until;
    d.requests.pauseUntil(until);
    d.tokens?.pauseUntil(until);
  }
}

/**
 * The signal for a limit's `acquire`: the event's when it exists; else created only when the
 * bucket may make the call wait (lanes, waiters, a 429 pause, too few tokens), so an admission
 * that passes at once costs no `AbortController`. Should a bucket wait all the same (another
 * replica took the tokens), a cancel frees the event at once and the wait is given back when admitted.
 */
export function waitSignal(
  d: AttemptDeps,
  ev: NetworkRequestEvent,
  b: BucketBackend,
  n: number,
): AbortSignal | undefined {
  const s = ev._signalIfAny;
  if (s !== undefined) return s;
  if (d.laned) return ev._signal();
  if (b.admitsAtOnce !== undefined && b.admitsAtOnce(n)) return undefined;
  if (b.waiting() > 0 || d.clock.now() < d.pausedUntil || b.available() < n) return ev._signal();
  return undefined;
}

/** Read through a call, so that a status checked before an `await` is not narrowed after it. */
export function cancelled(ev: { readonly status: RequestStatus }): boolean {
  return ev.status === RequestStatus.CANCELLED;
}
