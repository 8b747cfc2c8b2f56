import type { Clock } from '../core/clock.js';
import type { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import type { RetryPolicy } from '../core/retry/retry.policy.js';
import { ADMIT_LATER, type BreakerBackend, type BucketBackend } from '../core/store/store.js';
import { isUpstreamRateLimitError } from '../http/errors/status.error.js';
import type { AdaptiveRateLimiter } from '../http/limiters/adaptive-rate-limiter.js';
import type { ExecutorTask, ExecutorTaskContext } from './executor.options.js';
import type { NetworkRequestEvent } from './network-request-event.js';
import { RequestStatus } from './request-status.js';
import { isResponseLike, notProcessed, recordErrorResponse, recordResponse } from './response-shape.js';
import type { TokenCalibration } from './token-calibration.js';

const EMPTY: readonly unknown[] = [];
const NO_PERMIT = -2;

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
}

/** The executor side of a run: told once when the attempt loop is over (the slot is then free). @internal */
export interface AttemptHost {
  ended(ev: NetworkRequestEvent): void;
}

/** The task's context of one attempt (a class: no closure per attempt). @internal */
class AttemptContext implements ExecutorTaskContext {
  reported: number | undefined = undefined;
  constructor(
    readonly attempt: number,
    readonly event: NetworkRequestEvent,
  ) {}
  /** The event's signal, created on first read (a task that never reads it cannot be interrupted). */
  get signal(): AbortSignal {
    return this.event._signal();
  }
  reportUsage(actualTokens: number): void {
    if (typeof actualTokens === 'number' && Number.isFinite(actualTokens) && actualTokens >= 0)
      this.reported = actualTokens;
  }
}

/**
 * Runs one event that holds its slot (PROCESSING) to a terminal state: per attempt the breaker,
 * the requests bucket, the tokens bucket (the calibrated reservation), then the task; settles
 * the reservation with the actual usage; retries per the retry policy. Then calls
 * `host.ended(ev)` synchronously, in `finally` (before any `result()` continuation runs, so the
 * slot is free when the caller submits its next task). Never rejects. `inline`: called in the
 * synchronous run that set PROCESSING (a first attempt that does not wait reuses that clock read).
 * @internal
 */
export async function runAttempts<T>(
  d: AttemptDeps,
  host: AttemptHost,
  ev: NetworkRequestEvent<T>,
  lane: number,
  task: ExecutorTask<T>,
  usage: ((result: T) => number | undefined) | undefined,
  inline: boolean,
): Promise<void> {
  try {
    const started = ev.processingStartedAt!;
    for (let attempt = 1; ; attempt++) {
      if (cancelled(ev)) return;
      let backend: BreakerBackend | undefined;
      let permit = NO_PERMIT;
      let requestTaken = false;
      let reserved = 0;
      let turn = false;

      const estimate = ev.tokens;
      let waited = false;
      try {
        const breaker = d.breaker;
        if (breaker !== undefined) {
          backend = breaker.backendFor(EMPTY);
          permit = backend.precheck();
        }
        const w1 = d.requests.acquire(1, d.maxWaitMs, waitSignal(d, ev, d.requests, 1), lane);
        if (w1 !== undefined) {
          waited = true;
          await w1;
        }
        requestTaken = true;
        if (d.tokens !== undefined && estimate > 0) {
          const t = d.calibration.turn(ev);
          turn = true;
          if (t !== undefined) {
            waited = true;
            await t;
          }
          const n = d.calibration.reservation(estimate, d.maxReservation[lane]);
          const w2 = d.tokens.acquire(n, d.maxWaitMs, waitSignal(d, ev, d.tokens, n), lane);
          if (w2 !== undefined) {
            waited = true;
            await w2;
          }
          reserved = n;
        }
        if (backend !== undefined && (permit === ADMIT_LATER || waited)) {
          permit = NO_PERMIT;
          waited = true;
          permit = await backend.admit();
        }
      } catch (error) {
        // Never called: give back what this attempt took (an aborted wait gave back its own).
        if (requestTaken) d.requests.refund(1, lane);
        if (reserved > 0) d.tokens!.refund(reserved, lane);
        if (turn) d.calibration.done(estimate, false, undefined);
        if (permit !== NO_PERMIT && permit !== ADMIT_LATER) backend!.onIgnored(permit);
        if (backend !== undefined && permit === NO_PERMIT) d.breaker!.emitRejected?.(error);
        if (cancelled(ev)) return;
        if (await retried(d, ev, error, attempt, started)) continue;
        return;
      }
      if (cancelled(ev)) {
        // Cancelled during a wait that had no signal (see waitSignal): give back what it took.
        if (requestTaken) d.requests.refund(1, lane);
        if (reserved > 0) d.tokens!.refund(reserved, lane);
        if (turn) d.calibration.done(estimate, false, undefined);
        if (permit !== NO_PERMIT && permit !== ADMIT_LATER) backend!.onIgnored(permit);
        return;
      }
      ev.attempts = attempt;
      // Reached without waiting in the run that set PROCESSING: the clock read then still holds.
      ev._setStatus(RequestStatus.CALLING, inline && attempt === 1 && !waited ? ev.updatedAt : undefined);
      const ctx = new AttemptContext(attempt, ev as NetworkRequestEvent);
      const reachedAt = ev.updatedAt;
      let result: T;
      try {
        result = await task(ctx);
      } catch (error) {
        const wasCancelled = cancelled(ev);
        const refused = !wasCancelled && notProcessed(error);
        if (reserved > 0) {
          const actual = refused ? 0 : ctx.reported;
          if (actual !== undefined) d.tokens!.settle(reserved, actual, d.clock.now() - reachedAt, lane);
        }
        if (turn) d.calibration.done(estimate, !refused, refused ? undefined : ctx.reported);
        if (backend !== undefined) {
          const ms = d.clock.now() - reachedAt;
          if (!wasCancelled && d.breaker!.countsAsFailure(error)) {
            backend.onFailure(permit, ms);
            d.breaker!.emitFailure?.(error, ms);
          } else backend.onIgnored(permit);
        }
        if (wasCancelled) return;
        recordErrorResponse(ev as NetworkRequestEvent, error);
        onUpstreamHints(d, error, reachedAt);
        if (await retried(d, ev, error, attempt, started)) continue;
        return;
      }
      const endedAt = d.clock.now();
      const durationMs = endedAt - reachedAt;
      if (backend !== undefined) {
        backend.onSuccess(permit, durationMs);
        d.breaker!.emitSuccess?.(durationMs);
      }
      let actual = ctx.reported;
      if (usage !== undefined) {
        try {
          const u = usage(result);
          if (typeof u === 'number' && Number.isFinite(u) && u >= 0) actual = u;
        } catch {
          // A throwing usage function keeps the reservation.
        }
      }
      if (reserved > 0 && actual !== undefined) d.tokens!.settle(reserved, actual, durationMs, lane);
      if (turn) d.calibration.done(estimate, true, actual);
      if (actual !== undefined) ev._actualTokens = actual;
      if (cancelled(ev)) return;
      if (isResponseLike(result)) {
        recordResponse(ev as NetworkRequestEvent, result.status, result.headers, result.data);
        d.adaptive?.updateFromHeaders(result.headers, result.status, reachedAt);
      }
      ev._logCompleted();
      ev._complete(result, endedAt);
      return;
    }
  } catch (error) {
    ev._fail(error);
  } finally {
    host.ended(ev as NetworkRequestEvent);
  }
}

/** A 429 with a hint pauses both buckets until then; every upstream answer feeds the adaptive limiter. */
function onUpstreamHints(d: AttemptDeps, error: unknown, sentAt: number): void {
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

/** Decides a retry after a failed attempt: true after the wait (back to PROCESSING), false once the event is terminal. */
async function retried(
  d: AttemptDeps,
  ev: NetworkRequestEvent,
  error: unknown,
  attempt: number,
  started: number,
): Promise<boolean> {
  const retry = d.retry;
  const delay = retry === undefined ? -1 : retry.nextDelay(error, attempt, d.clock.now() - started);
  if (delay < 0) {
    retry?.emitGiveUp(attempt, error);
    ev._fail(error);
    return false;
  }
  retry!.emitRetry(attempt, delay, error);
  ev._setStatus(RequestStatus.PROCESSING);
  ev._log(`Retry ${attempt} in ${Math.round(delay)} ms`);
  try {
    await retry!.sleep(delay, ev._signal());
  } catch {
    return false; // cancelled while waiting
  }
  return ev.status !== RequestStatus.CANCELLED;
}

/**
 * The signal for a limit's `acquire`: the event's when it exists; else created only when the
 * bucket may make the call wait (lanes, waiters, a 429 pause, too few tokens), so an admission
 * that passes at once costs no `AbortController`. Should a bucket wait all the same (another
 * replica took the tokens), a cancel frees the event at once and the wait is given back when admitted.
 */
function waitSignal(d: AttemptDeps, ev: NetworkRequestEvent, b: BucketBackend, n: number): AbortSignal | undefined {
  const s = ev._signalIfAny;
  if (s !== undefined) return s;
  if (d.laned) return ev._signal();
  if (b.admitsAtOnce !== undefined && b.admitsAtOnce(n)) return undefined;
  if (b.waiting() > 0 || d.clock.now() < d.pausedUntil || b.available() < n) return ev._signal();
  return undefined;
}

/** Read through a call, so that a status checked before an `await` is not narrowed after it. */
function cancelled(ev: { readonly status: RequestStatus }): boolean {
  return ev.status === RequestStatus.CANCELLED;
}
