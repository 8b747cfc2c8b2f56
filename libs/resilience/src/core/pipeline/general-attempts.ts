import type { Clock } from '../clock.js';
import type { BreakerBackend, BucketBackend } from '../store/store.js';
import { AT_BREAKER, AT_BULKHEAD, AT_LIMITER, RUNNING, type AnyFn, type Inner } from './attempt-shared.js';
import type { PipelineStages } from './stages.js';
import { TimedCall } from './timed-call.js';

/**
 * The attempt loop of a pipeline with a bulkhead or a timeout stage (any other stages too);
 * `createPipeline` documents the order and the rules. With a timeout stage, each call gets a
 * {@link TimedCall} (its deadlines); without, nothing is allocated per call on success.
 * @internal
 */
export function generalAttempts(stages: PipelineStages, clock: Clock): Inner {
  const { timeout, retry, breaker, bulkhead, limiter } = stages;
  const tracksElapsed = retry !== undefined && retry.tracksElapsed;
  const queues = bulkhead !== undefined || limiter !== undefined;
  // The method can observe the attempt's signal (so it must exist): it is handed one as an argument.
  const signalInArgs = timeout !== undefined && timeout.signalArg >= 0;
  // Lanes are asked for only by stages that have them (read once, here).
  const bulkheadLaned = bulkhead !== undefined && bulkhead.lanes !== undefined && bulkhead.laneFor !== undefined;
  const limiterLaned = limiter !== undefined && limiter.lanes !== undefined && limiter.laneFor !== undefined;

  async function attempts(
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    tokensOverride: number | undefined,
    withContext: boolean,
    lane: string | undefined,
    call?: TimedCall,
  ): Promise<unknown> {
    const start = tracksElapsed ? clock.now() : 0;
    for (let attempt = 1; ; attempt++) {
      let backend: BreakerBackend | undefined;
      let bucket: BucketBackend | undefined;
      let permit = -1;
      let taken = 0;
      let laneNo: number | undefined;
      let entered = false;
      let bulkheadLane: number | undefined;
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
          // Asked first, reserving nothing: an open breaker refuses before any queue.
          at = AT_BREAKER;
          if (queues) pre = backend.precheck();
        }
        if (bulkhead !== undefined) {
          at = AT_BULKHEAD;
          if (bulkheadLaned) bulkheadLane = bulkhead.laneFor!(args, lane);
          const wait = bulkhead.enter(signal, bulkheadLane);
          if (wait !== undefined) {
            await wait;
            waited = true;
          }
          entered = true;
        }
        if (limiter !== undefined) {
          at = AT_LIMITER;
          bucket = limiter.bucketFor(args);
          const tokens = tokensOverride ?? limiter.tokensFor(args);
          if (limiterLaned) laneNo = limiter.laneFor!(args, lane);
          const wait = bucket.acquire(tokens, limiter.maxWaitMs, signal, laneNo);
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
        }
        at = 0;
        if (waited && signal !== undefined && signal.aborted) throw signal.reason;
        at = RUNNING;
        measured = breaker !== undefined && breaker.measuresDuration;
        if (measured) started = clock.now();
        let result: unknown;
        if (call === undefined) {
          result = withContext ? await fn({ signal, attempt }) : await fn.apply(thisArg, args as unknown[]);
        } else {
          // The attempt's signal is created only when the method can observe it: read from the
          // context (lazily), or handed as an argument (`signalArg`).
          const context = call.beginAttempt(attempt, withContext || signalInArgs);
          result = await call.race(withContext ? fn(context) : fn.apply(thisArg, call.argsFor(args) as unknown[]));
        }
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
      } finally {
        if (entered) bulkhead!.leave(bulkheadLane);
        if (call !== undefined) call.endAttempt();
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
  }

  if (timeout === undefined) return attempts;
  return function timed(fn, thisArg, args, signal, tokens, withContext, lane) {
    const call = new TimedCall(timeout, clock, signal, args);
    return call.run(attempts(fn, thisArg, args, call.signal, tokens, withContext, lane, call));
  };
}
