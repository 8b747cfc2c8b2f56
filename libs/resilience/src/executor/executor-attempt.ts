import { ADMIT_LATER, type BreakerBackend } from '../core/store/store.js';
import type { ExecutorTask, ExecutorTaskContext } from './executor.options.js';
import type { NetworkRequestEvent } from './network-request-event.js';
import { RequestStatus } from './request-status.js';
import { isResponseLike, notProcessed, recordErrorResponse, recordResponse } from './response-shape.js';
import { cancelled, giveBack, onUpstreamHints, waitSignal, type AttemptDeps } from './attempt-deps.js';

export type { AttemptDeps } from './attempt-deps.js';

const EMPTY: readonly unknown[] = [];
const NO_PERMIT = -2;

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
 * the calibration's probe turn, the requests bucket, the tokens bucket (the calibrated
 * reservation), then the task; settles the reservation with the actual usage; retries per the
 * retry policy. Then calls `host.ended(ev)` synchronously, in `finally` (before any `result()`
 * continuation runs, so the slot is free when the caller submits its next task). Never rejects.
 * `inline`: called in the synchronous run that set PROCESSING (a first attempt that does not
 * wait reuses that clock read).
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
      /** When the request token was admitted, once a later wait may make it stale (NaN: this run). */
      let requestAt = NaN;
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
        const reserving = d.tokens !== undefined && estimate > 0;
        if (reserving) {
          // Before any token: a request token counts from its admission, so a wait for the probe
          // (a whole call) between the two would let requests of several windows leave together.
          const t = d.calibration.turn(ev);
          turn = true;
          if (t !== undefined) {
            waited = true;
            await t;
          }
        }
        const w1 = d.requests.acquire(1, d.maxWaitMs, waitSignal(d, ev, d.requests, 1), lane);
        if (w1 !== undefined) {
          waited = true;
          await w1;
        }
        requestTaken = true;
        if (reserving) {
          const n = d.calibration.reservation(estimate, d.maxReservation[lane]);
          const w2 = d.tokens.acquire(n, d.maxWaitMs, waitSignal(d, ev, d.tokens, n), lane);
          if (w2 !== undefined) {
            waited = true;
            requestAt = d.clock.now();
            await w2;
          }
          reserved = n;
          if (!Number.isNaN(requestAt) && d.clock.now() - requestAt > d.requestStaleMs) {
            // Counted from its admission, the request token would let requests of several windows
            // leave together after a long tokens wait: given back and taken again now.
            requestTaken = false;
            giveBack(d, d.requests, 1, requestAt, lane);
            requestAt = NaN;
            const w3 = d.requests.acquire(1, d.maxWaitMs, waitSignal(d, ev, d.requests, 1), lane);
            if (w3 !== undefined) await w3;
            requestTaken = true;
          }
        }
        if (backend !== undefined && (permit === ADMIT_LATER || waited)) {
          permit = NO_PERMIT;
          waited = true;
          permit = await backend.admit();
        }
      } catch (error) {
        // Never called: give back what this attempt took (an aborted wait gave back its own).
        if (requestTaken) giveBack(d, d.requests, 1, requestAt, lane);
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
        if (requestTaken) giveBack(d, d.requests, 1, requestAt, lane);
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
