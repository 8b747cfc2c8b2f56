import { systemClock } from '../clock.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { AnyFn, Inner } from './attempt-shared.js';
import { generalAttempts } from './general-attempts.js';
import { lightAttempts } from './light-attempts.js';
import { breakerOnly, bulkheadOnly, retryOnly } from './single-stage.js';
import type { FallbackStage, PipelineStages } from './stages.js';

export type { PipelineStages } from './stages.js';

/**
 * A composed pipeline. Called as a function it runs a method, `fn.apply(thisArg, args)` (the
 * decorators' and the HTTP client's shape; `signal` is the caller's); `execute` runs a
 * context function, `fn({ signal, attempt })` (the policies' and services' shape).
 * @publicApi
 */
export interface Pipeline {
  <T>(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    fn: (...args: any[]) => T | Promise<T>,
    thisArg: unknown,
    args: readonly unknown[],
    signal?: AbortSignal,
  ): Promise<Awaited<T>>;
  /**
   * Runs `fn(context)` once per attempt; `options.args` select partitions, `options.tokens`
   * overrides the limiter's, `options.lane` picks the lane of the limiter and the bulkhead.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>>;
}

const EMPTY: readonly unknown[] = Object.freeze([]);

/**
 * Composes the stages in one fixed order, outer to inner:
 *
 *     fallback ▸ total timeout ▸ retry ▸ breaker ▸ bulkhead ▸ limiter ▸ attempt timeout ▸ fn
 *
 * - Every attempt, first or retry, is admitted by the breaker, holds a bulkhead slot and takes
 *   its tokens, so retries never bypass a limit and never hammer an open circuit.
 * - The breaker is asked first, reserving nothing (`precheck`): an open breaker refuses before
 *   the attempt queues for a bulkhead slot or tokens. The slot is taken next, then the tokens,
 *   so tokens go only to attempts about to run (a limiter's bound never counts bulkhead queue
 *   time). An attempt that waited is admitted by the breaker only once its slot and tokens are
 *   there: a half-open trial slot is taken only by an attempt about to run, and an attempt
 *   whose breaker opened meanwhile is refused with `CircuitBreakerOpenError`, gives its tokens
 *   back (`BucketBackend.refund`) and its slot. Tokens go back only for attempts that never ran.
 * - The bulkhead slot is given back exactly once, when the attempt settles (or is refused).
 * - The breaker sees each attempt's outcome (4 failed attempts count as 4 failures; an attempt
 *   timeout is a failure). Attempts the breaker, bulkhead or limiter refused never reach `fn`
 *   and count as nothing.
 * - Refusals carry `retryAfterMs`, which the retry honours (or gives up at once when the hint is
 *   beyond `maxRetryAfterMs` / `maxElapsedMs`). An attempt timeout is retried like any
 *   transient error; a total timeout or the caller's abort ends the call (no retry).
 * - Timeouts: the attempt deadline covers `fn` only; the total deadline covers everything
 *   (waits, attempts, retry delays). At a deadline the signal handed to `fn` aborts (the
 *   context's `signal`, or `args[signalArg]` for a method) and the call rejects with
 *   `timeoutError(scope)`; the total deadline's signal also cancels every wait. One timer per
 *   deadline, cleared when it settles.
 * - Fallback wraps everything: an error it `handles` resolves to `await fallback(error, thisArg, args)`.
 *
 * Without a timeout stage, the pipeline allocates no closure, timer or controller per call; with
 * no stage at all it is a plain pass-through.
 * @publicApi
 */
export function createPipeline(stages: PipelineStages): Pipeline {
  const { fallback, timeout, retry, breaker, bulkhead, limiter } = stages;
  const clock = stages.clock ?? systemClock;
  if (
    fallback === undefined &&
    timeout === undefined &&
    retry === undefined &&
    breaker === undefined &&
    bulkhead === undefined &&
    limiter === undefined
  ) {
    return passThrough();
  }
  // One loop per shape (each its own function, so each keeps its own type feedback): the
  // single-stage hot paths settle without an async frame; common stacks skip absent stages.
  let inner: Inner;
  if (timeout !== undefined || bulkhead !== undefined) {
    inner =
      bulkhead !== undefined &&
      timeout === undefined &&
      retry === undefined &&
      breaker === undefined &&
      limiter === undefined
        ? bulkheadOnly(bulkhead)
        : generalAttempts(stages, clock);
  } else if (breaker !== undefined && retry === undefined && limiter === undefined) {
    inner = breakerOnly(breaker, clock);
  } else if (retry !== undefined && breaker === undefined && limiter === undefined) {
    inner = retryOnly(retry, clock);
  } else if (retry !== undefined || breaker !== undefined || limiter !== undefined) {
    inner = lightAttempts(retry, breaker, limiter, clock);
  } else inner = (fn, thisArg, args, signal, _tokens, withContext) => callOnce(fn, thisArg, args, signal, withContext);
  const outer: Inner = fallback === undefined ? inner : withFallback(inner, fallback);

  const run = function run(fn: AnyFn, thisArg: unknown, args: readonly unknown[], signal?: AbortSignal) {
    return outer(fn, thisArg, args, signal, undefined, false, undefined);
  } as Pipeline;
  (run as { execute: Pipeline['execute'] }).execute = function execute(fn: AnyFn, options?: ExecuteOptions) {
    if (options === undefined) return outer(fn, undefined, EMPTY, undefined, undefined, true, undefined);
    return outer(fn, undefined, options.args ?? EMPTY, options.signal, options.tokens, true, options.lane);
  } as Pipeline['execute'];
  return run;
}

/** Fallback wraps everything: an error it `handles` resolves to `await fallback(error, thisArg, args)`. */
function withFallback(guarded: Inner, fallback: FallbackStage): Inner {
  return async function withFallback(fn, thisArg, args, signal, tokens, withContext, lane) {
    try {
      return await guarded(fn, thisArg, args, signal, tokens, withContext, lane);
    } catch (error) {
      if (!fallback.handles(error)) throw error;
      return await fallback.fallback(error, thisArg, args);
    }
  };
}

/** The one attempt of a pipeline of a fallback only. */
async function callOnce(
  fn: AnyFn,
  thisArg: unknown,
  args: readonly unknown[],
  signal: AbortSignal | undefined,
  withContext: boolean,
): Promise<unknown> {
  if (signal !== undefined && signal.aborted) throw signal.reason;
  return withContext ? await fn({ signal, attempt: 1 }) : await fn.apply(thisArg, args as unknown[]);
}

/** The pipeline of no stage: calls `fn` once, as is. */
function passThrough(): Pipeline {
  const run = async function passThrough(fn: AnyFn, thisArg: unknown, args: readonly unknown[]) {
    return await fn.apply(thisArg, args as unknown[]);
  } as Pipeline;
  (run as { execute: Pipeline['execute'] }).execute = async function execute(fn: AnyFn, options?: ExecuteOptions) {
    return await fn({ signal: options?.signal, attempt: 1 });
  } as Pipeline['execute'];
  return run;
}
