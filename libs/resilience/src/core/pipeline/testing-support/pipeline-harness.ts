import { expect } from '@jest/globals';
import { VirtualClock } from '../../clock.js';
import type { CircuitBreakerOptions } from '../../circuit-breaker/circuit-breaker.options.js';
import { CircuitBreakerPolicy } from '../../circuit-breaker/circuit-breaker.policy.js';
import type { RateLimiterOptions } from '../../rate-limiter/rate-limiter.options.js';
import { RateLimiterPolicy } from '../../rate-limiter/rate-limiter.policy.js';
import type { RetryEvent } from '../../retry/retry.events.js';
import type { RetryOptions } from '../../retry/retry.options.js';
import { RetryPolicy } from '../../retry/retry.policy.js';
import { MemoryStore } from '../../store/memory-store.js';
import { observe, restoreListenerErrors, type Settled } from '../../testing-support/observe.js';
import type { Pipeline } from '../pipeline.js';

// Shared set-up of the createPipeline specs with the real retry, breaker and limiter policies:
// a virtual clock, a memory store, `T0`, the times fn was entered and the onRetry events.
// Run `beforeEach(resetPipelineHarness)` and `afterEach(checkPipelineHarness)` in each spec file. @internal

/** An error the default retry predicate retries. @internal */
export class TransientError extends Error {
  readonly isTransient = true;
}
/** An error class for `excludeOn` / `retryOn`. @internal */
export class NotFoundError extends Error {}

/** The virtual clock of the current test. @internal */
export let clock: VirtualClock;
/** The store of the current test's breakers and limiters. @internal */
export let store: MemoryStore;
/** The clock's time at the start of the current test. @internal */
export let T0: number;
/** Clock time (relative to T0) at which fn was entered. @internal */
export let starts: number[];
/** The onRetry events of policies built with {@link retryP}. @internal */
export let events: RetryEvent[];

/** Fresh clock, store, T0, starts and events (`beforeEach`). @internal */
export function resetPipelineHarness(): void {
  clock = new VirtualClock();
  store = new MemoryStore();
  T0 = clock.now();
  starts = [];
  events = [];
}

/** Restores the listener-error reporter and checks no timer is left (`afterEach`). @internal */
export function checkPipelineHarness(): void {
  restoreListenerErrors();
  expect(clock.pendingTimers()).toBe(0);
}

/** A retry policy 'r': no jitter, base delay 100 ms, recording onRetry into `events`. @internal */
export const retryP = (o: RetryOptions) =>
  RetryPolicy.create('r', { jitter: 'none', baseDelayMs: 100, onRetry: (e) => events.push(e), ...o }, { clock });
/** A breaker 'b' on the test clock and store. @internal */
export const breakerP = (o: CircuitBreakerOptions) => CircuitBreakerPolicy.create('b', o, { clock, store });
/** A limiter 'l' on the test clock and store. @internal */
export const limiterP = (o: RateLimiterOptions) => RateLimiterPolicy.create('l', o, { clock, store });

/**
 * A function that records when it is entered and fails with `errors[n]` on its n-th call (then
 * returns `ok@n`). @internal
 */
export function failing(errors: readonly unknown[], always?: unknown) {
  return async () => {
    const n = starts.length;
    starts.push(clock.now() - T0);
    if (always !== undefined) throw always;
    if (n < errors.length) throw errors[n];
    return `ok@${n}`;
  };
}

/** Runs `fn` through `run` and drives virtual time until nothing is left. @internal */
export async function drive<T>(
  run: Pipeline,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<Settled<Awaited<T>>> {
  const s = observe(run(fn, undefined, [], signal));
  await clock.runAll();
  return s;
}
