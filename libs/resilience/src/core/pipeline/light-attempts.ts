import type { Clock } from '../clock.js';
import { ADMIT_LATER, PERMIT_NORMAL, type BreakerBackend, type BucketBackend } from '../store/store.js';
import { AT_BREAKER, AT_LIMITER, RUNNING, settle, type AnyFn, type Inner } from './attempt-shared.js';
import { FirstAttempts } from './first-attempt.js';
import type { BreakerStage, LimiterStage, RetryStage } from './stages.js';

// Where the loop starts (see `attempts`).
const FRESH = 0; // attempt 1, from the start
const PRECHECKED = 1; // attempt 1, its breaker prechecked (`pre`)
const WAITING = 2; // attempt 1, its tokens asked for and being waited for (`held`)
const REFUSED = 3; // attempt 1 refused before it ran (`error`, refusal already reported)
const FAILED = 4; // attempt 1 ran on the common backend with a normal permit and failed (`error`)

/** Attempt 1's tokens, asked for on the hot path, that it has to wait for. */
interface HeldTokens {
  backend: BreakerBackend | undefined;
  bucket: BucketBackend;
  tokens: number;
  lane: number | undefined;
  wait: Promise<void>;
}

/**
 * The attempt loop of a pipeline of retry, breaker and limiter stages only (any subset): the
 * general loop without the bulkhead and timeout steps, so the common stacks run no code (and
 * keep no type feedback) for stages they do not have. Same order and rules as `createPipeline`
 * documents; nothing allocated per call on success.
 *
 * Hot path: attempt 1 starts synchronously. When the breaker admits it at once as a normal call
 * of its first-seen backend, duration not measured, and its tokens are there, the method runs and
 * settles through handlers made once per pipeline (no retry stage) or once per pooled
 * `FirstAttempt` (with a retry stage): no async frame on success. Anything else (a trial,
 * another partition, a measured call, a wait, a refusal, a failure) continues in the async loop
 * from the point reached, so each step still happens once and in the documented order.
 * @internal
 */
export function lightAttempts(
  retry: RetryStage | undefined,
  breaker: BreakerStage | undefined,
  limiter: LimiterStage | undefined,
  clock: Clock,
): Inner {
  const tracksElapsed = retry !== undefined && retry.tracksElapsed;
  const queues = limiter !== undefined;
  // Lanes are asked for only when the limiter has them (read once, here).
  const laned = limiter !== undefined && limiter.lanes !== undefined && limiter.laneFor !== undefined;
  // The backend whose normal-permit outcomes the hot path's handlers record (the first one seen).
  let common: BreakerBackend | undefined;

  /** Records the outcome of attempt 1 run on the hot path (permit normal, not measured). */
  function recordFirstFailure(error: unknown): void {
    if (breaker === undefined) return;
    if (breaker.countsAsFailure(error)) {
      common!.onFailure(PERMIT_NORMAL, 0);
      breaker.emitFailure?.(error, 0);
    } else common!.onIgnored(PERMIT_NORMAL);
  }
  const succeeded = (value: unknown): unknown => {
    if (breaker !== undefined) {
      common!.onSuccess(PERMIT_NORMAL, 0);
      breaker.emitSuccess?.(0);
    }
    return value;
  };
  const failedOnce = (error: unknown): never => {
    recordFirstFailure(error);
    throw error;
  };
  const pool = new FirstAttempts(succeeded, (error, a) =>
    attempts(
      a.fn!,
      a.thisArg,
      a.args,
      a.signal,
      a.tokens,
      a.withContext,
      a.lane,
      a.start,
      FAILED,
      error,
      -1,
      undefined,
    ),
  );

  async function attempts(
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    tokensOverride: number | undefined,
    withContext: boolean,
    lane: string | undefined,
    start: number,
    from: number,
    error: unknown,
    pre: number,
    held: HeldTokens | undefined,
  ): Promise<unknown> {
    let attempt = 1;
    // Attempt 1's precheck (or its tokens) already asked on the hot path: not asked again.
    let asked = from === PRECHECKED || from === WAITING;
    if (from === FAILED) recordFirstFailure(error);
    if (from >= REFUSED) attempt = 2;
    for (; ; attempt++) {
      if (attempt > 1) {
        if (retry === undefined || (signal !== undefined && signal.aborted)) throw error;
        const delay = retry.nextDelay(error, attempt - 1, tracksElapsed ? clock.now() - start : 0);
        if (delay < 0) {
          retry.emitGiveUp?.(attempt - 1, error);
          throw error;
        }
        retry.emitRetry?.(attempt - 1, delay, error);
        if (delay > 0) await retry.sleep(delay, signal);
        asked = false;
        held = undefined;
      }
      let backend: BreakerBackend | undefined;
      let bucket: BucketBackend | undefined;
      let permit = -1;
      let taken = 0;
      let laneNo: number | undefined;
      let measured = false;
      let started = 0;
      let at = 0;
      try {
        if (signal !== undefined && signal.aborted) throw signal.reason;
        let waited = false;
        if (breaker !== undefined) {
          backend = held !== undefined ? held.backend! : breaker.backendFor(args);
          // Asked first, reserving nothing: an open breaker refuses before the limiter's queue.
          at = AT_BREAKER;
          if (!asked) pre = queues ? backend.precheck() : ADMIT_LATER;
        }
        if (limiter !== undefined) {
          at = AT_LIMITER;
          let tokens: number;
          let wait: Promise<void> | undefined;
          if (held !== undefined) {
            bucket = held.bucket;
            tokens = held.tokens;
            laneNo = held.lane;
            wait = held.wait;
          } else {
            bucket = limiter.bucketFor(args);
            tokens = tokensOverride ?? limiter.tokensFor(args);
            if (laned) laneNo = limiter.laneFor!(args, lane);
            wait = bucket.acquire(tokens, limiter.maxWaitMs, signal, laneNo);
          }
          if (wait !== undefined) {
            limiter.emitWait?.(tokens, laneNo);
            await wait;
            waited = true;
          }
          taken = tokens;
        }
        if (backend !== undefined) {
          at = AT_BREAKER;
          // The breaker may have changed while this attempt waited: it decides now.
          if (pre >= 0 && !waited) permit = pre;
          else {
            const admitted = backend.admit();
            if (typeof admitted === 'number') permit = admitted;
            else {
              permit = await admitted;
              waited = true;
              // A shared breaker answers asynchronously: an opening learnt meanwhile wins.
              if (backend.state() === 'open') backend.precheck();
            }
          }
          measured = breaker!.measuresDuration;
        }
        at = 0;
        if (waited && signal !== undefined && signal.aborted) throw signal.reason;
        at = RUNNING;
        if (measured) started = clock.now();
        const result = withContext ? await fn({ signal, attempt }) : await fn.apply(thisArg, args as unknown[]);
        if (backend !== undefined) {
          const durationMs = measured ? clock.now() - started : 0;
          backend.onSuccess(permit, durationMs);
          breaker!.emitSuccess?.(durationMs);
        }
        return result;
      } catch (e) {
        error = e;
        // Tokens of an attempt that never ran go back (e.g. its breaker opened while it waited).
        if (taken > 0 && at !== RUNNING) bucket!.refund(taken, laneNo);
        if (backend !== undefined) {
          if (permit >= 0) {
            if (at === RUNNING && breaker!.countsAsFailure(e)) {
              const durationMs = measured ? clock.now() - started : 0;
              backend.onFailure(permit, durationMs);
              breaker!.emitFailure?.(e, durationMs);
            } else backend.onIgnored(permit);
          }
          if (at === AT_BREAKER) breaker!.emitRejected?.(e);
        }
        if (at === AT_LIMITER) limiter!.emitRejected?.(e, laneNo);
      }
    }
  }

  return function lightAttempts(fn, thisArg, args, signal, given, withContext, lane) {
    const start = tracksElapsed ? clock.now() : 0;
    if (signal !== undefined && signal.aborted) {
      return attempts(fn, thisArg, args, signal, given, withContext, lane, start, FRESH, undefined, -1, undefined);
    }
    let backend: BreakerBackend | undefined;
    let at = AT_BREAKER;
    let laneNo: number | undefined;
    let result: unknown;
    try {
      if (breaker !== undefined) {
        backend = breaker.backendFor(args);
        // Reserves nothing: whatever it answers, the loop can take over from here.
        const pre = backend.precheck();
        if (pre !== PERMIT_NORMAL || breaker.measuresDuration || backend !== (common ??= backend)) {
          return attempts(
            fn,
            thisArg,
            args,
            signal,
            given,
            withContext,
            lane,
            start,
            PRECHECKED,
            undefined,
            pre,
            undefined,
          );
        }
      }
      if (limiter !== undefined) {
        at = AT_LIMITER;
        const bucket = limiter.bucketFor(args);
        const tokens = given ?? limiter.tokensFor(args);
        if (laned) laneNo = limiter.laneFor!(args, lane);
        const wait = bucket.acquire(tokens, limiter.maxWaitMs, signal, laneNo);
        if (wait !== undefined) {
          const held: HeldTokens = { backend, bucket, tokens, lane: laneNo, wait };
          return attempts(
            fn,
            thisArg,
            args,
            signal,
            given,
            withContext,
            lane,
            start,
            WAITING,
            undefined,
            PERMIT_NORMAL,
            held,
          );
        }
      }
      at = RUNNING;
      result = withContext ? fn({ signal, attempt: 1 }) : fn.apply(thisArg, args as unknown[]);
    } catch (error) {
      if (at === RUNNING) {
        return attempts(fn, thisArg, args, signal, given, withContext, lane, start, FAILED, error, -1, undefined);
      }
      if (at === AT_LIMITER) limiter!.emitRejected?.(error, laneNo);
      else if (backend !== undefined) breaker!.emitRejected?.(error);
      return attempts(fn, thisArg, args, signal, given, withContext, lane, start, REFUSED, error, -1, undefined);
    }
    if (retry === undefined) return settle(result).then(succeeded, failedOnce);
    const a = pool.take(fn, thisArg, args, signal, given, withContext, start, lane);
    return settle(result).then(a.onFulfilled, a.onRejected);
  };
}
