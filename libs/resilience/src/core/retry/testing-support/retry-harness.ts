import { expect } from '@jest/globals';
import { VirtualClock, type RandomSource } from '../../clock.js';
import type { ExecuteContext } from '../../policy/execute-options.js';
import { restoreListenerErrors } from '../../testing-support/observe.js';
import type { RetryEvent } from '../retry.events.js';
import type { RetryOptions } from '../retry.options.js';
import { RetryPolicy } from '../retry.policy.js';

// Shared set-up of the RetryPolicy specs: a virtual clock, its start time `T0`, the start time of
// each attempt and the onRetry events. Run `beforeEach(resetRetryHarness)` and
// `afterEach(checkRetryHarness)` in each spec file. @internal

/** An error the default predicate retries. @internal */
export class TransientError extends Error {
  readonly isTransient = true;
}
/** A transient error with a Retry-After hint. @internal */
export class HintError extends TransientError {
  constructor(readonly retryAfterMs: number) {
    super(`retry after ${retryAfterMs}`);
  }
}
/** Error classes for `retryOn` / `excludeOn`. @internal */
export class NotFoundError extends Error {}
/** @internal */
export class ValidationError extends Error {}
/** @internal */
export class StrictValidationError extends ValidationError {}

/** The virtual clock of the current test. @internal */
export let clock: VirtualClock;
/** The time `starts` are relative to. @internal */
export let T0: number;
/** Clock time (relative to T0) at which each attempt started. @internal */
export let starts: number[];
/** The onRetry events of policies built with {@link make}. @internal */
export let events: RetryEvent[];

/** Fresh clock, T0, starts and events (`beforeEach`). @internal */
export function resetRetryHarness(): void {
  clock = new VirtualClock();
  T0 = clock.now();
  starts = [];
  events = [];
}

/** Restores the listener-error reporter and checks no timer is left (`afterEach`). @internal */
export function checkRetryHarness(): void {
  restoreListenerErrors();
  expect(clock.pendingTimers()).toBe(0);
}

/** Forgets the recorded attempt starts. @internal */
export function clearStarts(): void {
  starts = [];
}

/** Forgets the recorded onRetry events. @internal */
export function clearEvents(): void {
  events = [];
}

/** Makes the clock's current time the new T0. @internal */
export function markT0(): void {
  T0 = clock.now();
}

/** A policy on the test clock, no jitter, base delay 100 ms, recording onRetry into `events`. @internal */
export function make(options: RetryOptions, random?: RandomSource): RetryPolicy {
  return RetryPolicy.create(
    'r',
    { jitter: 'none', baseDelayMs: 100, onRetry: (e) => events.push(e), ...options },
    { clock, random },
  );
}

/**
 * An attempt function that records its start time and throws `errors[attempt - 1]` (or returns
 * 'ok@<n>' past the end). @internal
 */
export function failing(errors: readonly unknown[], always?: unknown) {
  return async ({ attempt }: ExecuteContext) => {
    starts.push(clock.now() - T0);
    if (always !== undefined) throw always;
    const i = attempt - 1;
    if (i < errors.length) throw errors[i];
    return `ok@${i}`;
  };
}
