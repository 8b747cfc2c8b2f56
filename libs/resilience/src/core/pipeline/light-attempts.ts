import type { Clock } from '../clock.js';
import type { BreakerBackend, BucketBackend } from '../store/store.js';
import { AT_BREAKER, AT_LIMITER, RUNNING, type AnyFn, type Inner } from './attempt-shared.js';
import type { BreakerStage, LimiterStage, RetryStage } from './stages.js';

/**
 * The attempt loop of a pipeline of retry, breaker and limiter stages only (any subset): the
 * general loop without the bulkhead and timeout steps, so the common stacks run no code (and
 * keep no type feedback) for stages they do not have. Same order and rules as `createPipeline`
 * documents; nothing allocated per call on success.
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

  return async function lightAttempts(
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    tokensOverride: number | undefined,
    withContext: boolean,
  ): Promise<unknown> {
    const start = tracksElapsed ? clock.now() : 0;
    for (let attempt = 1; ; attempt++) {
      let backend: BreakerBackend | undefined;
      let bucket: BucketBackend | undefined;
      let permit = -1;
      let taken = 0;
      let measured = false;
      let started = 0;
      let at = 0;
      let error: unknown;
      try {
        if (signal !== undefined && signal.aborted) throw signal.reason;
        let waited = false;
        let pre = -1;
        if (breaker !== undefined) {
          backend = breaker.backendFor(args);
          // Asked first, reserving nothing: an open breaker refuses before the limiter's queue.
          at = AT_BREAKER;
          if (queues) pre = backend.precheck();
        }
        if (limiter !== undefined) {
          at = AT_LIMITER;
          bucket = limiter.bucketFor(args);
          const tokens = tokensOverride ?? limiter.tokensFor(args);
          const wait = bucket.acquire(tokens, limiter.maxWaitMs, signal);
          if (wait !== undefined) {
            limiter.emitWait?.(tokens);
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
        if (taken > 0 && at !== RUNNING) bucket!.refund(taken);
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
        if (at === AT_LIMITER) limiter!.emitRejected?.(e);
      }
      if (retry === undefined || (signal !== undefined && signal.aborted)) throw error;
      const delay = retry.nextDelay(error, attempt, tracksElapsed ? clock.now() - start : 0);
      if (delay < 0) {
        retry.emitGiveUp?.(attempt, error);
        throw error;
      }
      retry.emitRetry?.(attempt, delay, error);
      if (delay > 0) await retry.sleep(delay, signal);
    }
  };
}

/**
 * The attempt loop of a pipeline of one retry stage: {@link lightAttempts} without the breaker
 * and limiter steps (its own function, so its type feedback is its own).
 * @internal
 */
export function retryOnly(retry: RetryStage, clock: Clock): Inner {
  const tracksElapsed = retry.tracksElapsed;
  return async function retryOnly(fn, thisArg, args, signal, _tokens, withContext) {
    const start = tracksElapsed ? clock.now() : 0;
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        if (signal !== undefined && signal.aborted) throw signal.reason;
        return withContext ? await fn({ signal, attempt }) : await fn.apply(thisArg, args as unknown[]);
      } catch (e) {
        error = e;
      }
      if (signal !== undefined && signal.aborted) throw error;
      const delay = retry.nextDelay(error, attempt, tracksElapsed ? clock.now() - start : 0);
      if (delay < 0) {
        retry.emitGiveUp?.(attempt, error);
        throw error;
      }
      retry.emitRetry?.(attempt, delay, error);
      if (delay > 0) await retry.sleep(delay, signal);
    }
  };
}
