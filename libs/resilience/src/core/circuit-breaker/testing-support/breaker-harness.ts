import { expect } from '@jest/globals';
import { VirtualClock } from '../../clock.js';
import { CircuitBreakerOpenError } from '../../errors/index.js';
import { MemoryStore } from '../../store/memory-store.js';
import { restoreListenerErrors } from '../../testing-support/observe.js';
import type { CircuitBreakerOptions } from '../circuit-breaker.options.js';
import { CircuitBreakerPolicy } from '../circuit-breaker.policy.js';

// Shared set-up of the CircuitBreakerPolicy specs: a virtual clock, its start time `T0` and a
// count of the calls that reached `fn`. Run `beforeEach(resetBreakerHarness)` and
// `afterEach(checkBreakerHarness)` in each spec file. @internal

/** An error class the specs exclude with `excludeOn` / `failOn`. @internal */
export class NotFoundError extends Error {}

/** A promise with its settle functions. @internal */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

/** A promise settled from outside. @internal */
export function deferred<T = string>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The virtual clock of the current test. @internal */
export let clock: VirtualClock;
/** The clock's time at the start of the current test. @internal */
export let T0: number;
/** Calls that reached `fn` in the current test. @internal */
export let calls: number;

/** Fresh clock and call count (`beforeEach`). @internal */
export function resetBreakerHarness(): void {
  clock = new VirtualClock();
  T0 = clock.now();
  calls = 0;
}

/** Restores the listener-error reporter and checks no timer is left (`afterEach`). @internal */
export function checkBreakerHarness(): void {
  restoreListenerErrors();
  // The breaker never schedules a timer (open → half-open is lazy).
  expect(clock.pendingTimers()).toBe(0);
}

/** Sets the call count back to 0. @internal */
export function resetCalls(): void {
  calls = 0;
}

/** Counts one call that reached `fn`. @internal */
export function countCall(): void {
  calls++;
}

/** A breaker on the test clock and a fresh memory store. @internal */
export function make(options: CircuitBreakerOptions, name = 'b'): CircuitBreakerPolicy {
  return CircuitBreakerPolicy.create(name, options, { clock, store: new MemoryStore() });
}

/** A call that fails with `err`; resolves to what execute rejected with. @internal */
export async function fail(
  b: CircuitBreakerPolicy,
  err: unknown = new Error('boom'),
  args: unknown[] = [],
): Promise<unknown> {
  return b
    .execute(
      () => {
        calls++;
        throw err;
      },
      { args },
    )
    .then(
      () => {
        throw new Error('expected a rejection');
      },
      (e: unknown) => e,
    );
}

/** A call that succeeds with 'ok'. @internal */
export function ok(b: CircuitBreakerPolicy, args: unknown[] = []): Promise<string> {
  return b.execute(
    () => {
      calls++;
      return 'ok';
    },
    { args },
  );
}

/** A call whose fn runs for `ms` of virtual time, then succeeds (or fails). @internal */
export async function timed(b: CircuitBreakerPolicy, ms: number, outcome: 'ok' | 'fail' = 'ok'): Promise<unknown> {
  const p = b
    .execute(
      () =>
        new Promise<string>((res, rej) => {
          calls++;
          clock.setTimeout(() => (outcome === 'ok' ? res('slow-ok') : rej(new Error('slow-fail'))), ms);
        }),
    )
    .catch((e: unknown) => e);
  await clock.advance(ms);
  return p;
}

/** Awaits `p` and checks it is a CircuitBreakerOpenError. @internal */
export async function openError(p: Promise<unknown>): Promise<CircuitBreakerOpenError> {
  const e = await p;
  expect(e).toBeInstanceOf(CircuitBreakerOpenError);
  return e as CircuitBreakerOpenError;
}
