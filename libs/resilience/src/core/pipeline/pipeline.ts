import { systemClock, type Clock } from '../clock.js';
import type { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import type { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../retry/retry.policy.js';
import type { BreakerBackend } from '../store/store.js';

/** The policies one call goes through. @publicApi */
export interface PipelinePolicies {
  retry?: RetryPolicy;
  breaker?: CircuitBreakerPolicy;
  limiter?: RateLimiterPolicy;
  /** Clock for the retry deadline and slow-call timing. Default: the system clock. */
  clock?: Clock;
}

/** Runs `fn.apply(thisArg, args)` through the policies. @publicApi */
export type Pipeline = <T>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (...args: any[]) => T | Promise<T>,
  thisArg: unknown,
  args: readonly unknown[],
  signal?: AbortSignal,
) => Promise<Awaited<T>>;

/**
 * Composes the policies in one fixed order, outer to inner:
 *
 *     retry ▸ circuit breaker ▸ rate limiter ▸ fn
 *
 * - Every attempt, first or retry, is admitted by the breaker and takes its tokens from the
 *   limiter, so retries can never bypass a limit and never hammer an open circuit.
 * - The breaker decides last, once the tokens are there: it is checked before the attempt
 *   queues for tokens (an open breaker refuses at once, taking no token), and an attempt that
 *   had to wait is admitted by the breaker only after its tokens arrived. So a half-open trial
 *   slot is taken only by an attempt that is about to run, and an attempt whose breaker
 *   opened while it waited is refused with `CircuitBreakerOpenError` and gives its tokens
 *   back (`BucketBackend.refund`). Tokens are given back only for attempts that never ran.
 * - The breaker sees each attempt's outcome (a sequence of 4 failed attempts counts as 4
 *   failures). Attempts the breaker or limiter refused never reach `fn` and count as nothing.
 * - Breaker-open and rate-limit errors carry `retryAfterMs`, which the retry policy honours
 *   (or gives up at once when the hint is beyond `maxRetryAfterMs` / `maxElapsedMs`).
 *
 * The result is a single async function: no closure, timer or option copy per call.
 * @publicApi
 */
export function createPipeline(policies: PipelinePolicies): Pipeline {
  const { retry, breaker, limiter } = policies;
  const clock = policies.clock ?? systemClock;
  const measure = breaker !== undefined && breaker.measuresDuration;
  const tracksElapsed = retry !== undefined && retry.tracksElapsed;
  const countsAsFailure = breaker?.options.countsAsFailure;
  const maxWaitMs = limiter?.options.maxWaitMs ?? 0;

  if (retry === undefined && breaker === undefined && limiter === undefined) {
    return async function passThrough(fn, thisArg, args) {
      return await fn.apply(thisArg, args as unknown[]);
    } as Pipeline;
  }

  return async function run(fn, thisArg, args, signal) {
    const start = tracksElapsed ? clock.now() : 0;
    let retryNo = 0;
    for (;;) {
      let backend: BreakerBackend | undefined;
      let permit = -1;
      let taken = 0;
      let started = 0;
      let called = false;
      try {
        if (signal !== undefined && signal.aborted) throw signal.reason;
        if (breaker !== undefined) backend = breaker.backendFor(args);
        if (limiter !== undefined) {
          // Breaker first, reserving nothing: an open breaker refuses before any token is taken.
          let pre = backend !== undefined ? backend.precheck() : 0;
          const bucket = limiter.bucketFor(args);
          const tokens = limiter.tokensFor(args);
          const wait = bucket.acquire(tokens, maxWaitMs, signal);
          if (wait !== undefined) {
            await wait;
            pre = -1; // the breaker may have changed meanwhile: it decides now
          }
          taken = tokens;
          if (backend !== undefined) {
            if (pre >= 0) permit = pre;
            else {
              const admitted = backend.admit();
              if (typeof admitted === 'number') permit = admitted;
              else {
                permit = await admitted;
                if (backend.state() === 'open') backend.precheck(); // a newer state learnt meanwhile wins
              }
            }
          }
        } else if (backend !== undefined) {
          const admitted = backend.admit();
          if (typeof admitted === 'number') permit = admitted;
          else {
            permit = await admitted;
            // A shared breaker answers asynchronously: if this process learnt of an opening while
            // the answer was on its way (a later reply, its own failures), the call is refused.
            if (backend.state() === 'open') backend.precheck();
          }
        }
        if (measure) started = clock.now();
        called = true;
        const result = await fn.apply(thisArg, args as unknown[]);
        if (backend !== undefined) backend.onSuccess(permit, measure ? clock.now() - started : 0);
        return result;
      } catch (error) {
        // Tokens of an attempt that never ran go back (e.g. its breaker opened while it waited).
        if (taken > 0 && !called) limiter!.bucketFor(args).refund(taken);
        if (backend !== undefined && permit >= 0) {
          if (called && countsAsFailure!(error)) backend.onFailure(permit, measure ? clock.now() - started : 0);
          else backend.onIgnored(permit);
        }
        if (retry === undefined || (signal !== undefined && signal.aborted)) throw error;
        retryNo++;
        const delay = retry.nextDelay(error, retryNo, tracksElapsed ? clock.now() - start : 0);
        if (delay < 0) throw error;
        retry.emitRetry(retryNo, delay, error);
        if (delay > 0) await retry.sleep(delay, signal);
      }
    }
  } as Pipeline;
}
