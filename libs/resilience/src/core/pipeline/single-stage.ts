import type { Clock } from '../clock.js';
import { PERMIT_NORMAL, type BreakerBackend } from '../store/store.js';
import { settle, type AnyFn, type Inner } from './attempt-shared.js';
import type { BreakerStage, BulkheadStage, RetryStage } from './stages.js';

/**
 * The pipeline of one bulkhead stage. A free slot (the hot path) runs the method at once and
 * gives the slot back through two handlers made once per pipeline (no async frame, no closure
 * per call); a caller that has to queue waits in {@link queued}. Same rules as the general loop:
 * an aborted signal refuses before queuing, a waiter whose signal aborted meanwhile gives its
 * slot back without running, and the slot is given back exactly once when the method settles.
 * @internal
 */
export function bulkheadOnly(bulkhead: BulkheadStage): Inner {
  const release = (value: unknown): unknown => {
    bulkhead.leave();
    return value;
  };
  const releaseAndThrow = (error: unknown): never => {
    bulkhead.leave();
    throw error;
  };
  async function queued(
    wait: Promise<void>,
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    withContext: boolean,
    laneNo: number | undefined,
  ): Promise<unknown> {
    await wait;
    try {
      if (signal !== undefined && signal.aborted) throw signal.reason;
      return withContext ? await fn({ signal, attempt: 1 }) : await fn.apply(thisArg, args as unknown[]);
    } finally {
      bulkhead.leave(laneNo);
    }
  }
  const laned = bulkhead.lanes !== undefined && bulkhead.laneFor !== undefined;
  return function bulkheadOnly(fn, thisArg, args, signal, _tokens, withContext, lane) {
    let result: unknown;
    let laneNo: number | undefined;
    try {
      if (signal !== undefined && signal.aborted) throw signal.reason;
      if (laned) laneNo = bulkhead.laneFor!(args, lane);
      const wait = bulkhead.enter(signal, laneNo);
      if (wait !== undefined) return queued(wait, fn, thisArg, args, signal, withContext, laneNo);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      result = withContext ? fn({ signal, attempt: 1 }) : fn.apply(thisArg, args as unknown[]);
    } catch (error) {
      bulkhead.leave(laneNo);
      return Promise.reject(error);
    }
    if (laneNo === undefined) return settle(result).then(release, releaseAndThrow);
    // A laned slot is given back to its lane: one closure per call, only with lanes.
    const leaveLane = () => bulkhead.leave(laneNo);
    return settle(result).then(
      (value) => (leaveLane(), value),
      (error: unknown) => {
        leaveLane();
        throw error;
      },
    );
  };
}

/**
 * The pipeline of one circuit breaker stage. The hot path (synchronous admission with a normal
 * permit, on the backend seen first, duration not measured) settles through two handlers made
 * once per pipeline; any other admission (a trial permit, another partition, a measured call)
 * settles in {@link finish}, and an asynchronous admission (a shared store) in {@link admitted}.
 * Same rules as the general loop: refusals emit `rejected` and never run the method, each
 * outcome is recorded once (`countsAsFailure` decides between failure and ignored).
 * @internal
 */
export function breakerOnly(breaker: BreakerStage, clock: Clock): Inner {
  let common: BreakerBackend | undefined;
  const succeeded = (value: unknown): unknown => {
    common!.onSuccess(PERMIT_NORMAL, 0);
    breaker.emitSuccess?.(0);
    return value;
  };
  const failed = (error: unknown): never => {
    record(common!, PERMIT_NORMAL, false, 0, error);
    throw error;
  };
  function record(backend: BreakerBackend, permit: number, measured: boolean, started: number, error: unknown): void {
    if (breaker.countsAsFailure(error)) {
      const durationMs = measured ? clock.now() - started : 0;
      backend.onFailure(permit, durationMs);
      breaker.emitFailure?.(error, durationMs);
    } else backend.onIgnored(permit);
  }
  async function finish(
    pending: unknown,
    backend: BreakerBackend,
    permit: number,
    measured: boolean,
    started: number,
  ): Promise<unknown> {
    let result: unknown;
    try {
      result = await pending;
    } catch (error) {
      record(backend, permit, measured, started, error);
      throw error;
    }
    const durationMs = measured ? clock.now() - started : 0;
    backend.onSuccess(permit, durationMs);
    breaker.emitSuccess?.(durationMs);
    return result;
  }
  async function admitted(
    admission: Promise<number>,
    backend: BreakerBackend,
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    withContext: boolean,
  ): Promise<unknown> {
    let permit = -1;
    let refused = true;
    try {
      permit = await admission;
      // A shared breaker answers asynchronously: an opening learnt meanwhile wins.
      if (backend.state() === 'open') backend.precheck();
      refused = false;
      if (signal !== undefined && signal.aborted) throw signal.reason;
    } catch (error) {
      if (permit >= 0) backend.onIgnored(permit);
      if (refused) breaker.emitRejected?.(error);
      throw error;
    }
    return run(backend, permit, fn, thisArg, args, signal, withContext);
  }
  function run(
    backend: BreakerBackend,
    permit: number,
    fn: AnyFn,
    thisArg: unknown,
    args: readonly unknown[],
    signal: AbortSignal | undefined,
    withContext: boolean,
  ): Promise<unknown> {
    const measured = breaker.measuresDuration;
    const started = measured ? clock.now() : 0;
    let result: unknown;
    try {
      result = withContext ? fn({ signal, attempt: 1 }) : fn.apply(thisArg, args as unknown[]);
    } catch (error) {
      record(backend, permit, measured, started, error);
      return Promise.reject(error);
    }
    if (permit === PERMIT_NORMAL && !measured && backend === (common ??= backend)) {
      return settle(result).then(succeeded, failed);
    }
    return finish(result, backend, permit, measured, started);
  }
  return function breakerOnly(fn, thisArg, args, signal, _tokens, withContext) {
    let backend: BreakerBackend | undefined;
    let admission: number | Promise<number>;
    try {
      if (signal !== undefined && signal.aborted) throw signal.reason;
      backend = breaker.backendFor(args);
      admission = backend.admit();
    } catch (error) {
      if (backend !== undefined) breaker.emitRejected?.(error);
      return Promise.reject(error);
    }
    if (typeof admission !== 'number') return admitted(admission, backend, fn, thisArg, args, signal, withContext);
    return run(backend, admission, fn, thisArg, args, signal, withContext);
  };
}

/**
 * The attempt loop of a pipeline of one retry stage: `lightAttempts` without the breaker
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
