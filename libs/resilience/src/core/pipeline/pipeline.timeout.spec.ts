import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { CircuitBreakerOpenError, TimeoutError } from '../errors/index.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import { observe } from '../testing-support/observe.js';
import { createPipeline } from './pipeline.js';
import { fallbackStage, TestBulkhead, timeoutStage } from './testing-support/inline-stages.js';

let clock: VirtualClock;
let store: MemoryStore;
/** Clock time at which each attempt started, and the signal it was handed. */
let starts: number[];
let signals: Array<AbortSignal | undefined>;

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
  starts = [];
  signals = [];
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const retryP = (o: object = {}) =>
  RetryPolicy.create('r', { maxRetries: 5, baseDelayMs: 100, jitter: 'none', ...o }, { clock });

/** A context function that records its attempt and never settles (it ignores its signal). */
const hang = ({ signal }: { signal: AbortSignal | undefined }) => {
  starts.push(clock.now());
  signals.push(signal);
  return new Promise<never>(() => undefined);
};

/** A context function that records its attempt and resolves after `ms` of virtual time. */
const takes =
  (ms: number, value = 'done') =>
  ({ signal }: { signal: AbortSignal | undefined }) => {
    starts.push(clock.now());
    signals.push(signal);
    return new Promise<string>((resolve) => clock.setTimeout(() => resolve(value), ms));
  };

describe('createPipeline: attempt timeout', () => {
  it('aborts the attempt signal and rejects with TimeoutError(attempt); retried like a transient error', async () => {
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 500 }), retry: retryP({ maxRetries: 2 }), clock });
    const s = observe(run.execute(hang));
    await clock.runAll();
    expect(s.error).toBeInstanceOf(TimeoutError);
    expect(s.error).toMatchObject({ scope: 'attempt', timeoutMs: 500 });
    expect(starts).toEqual([0, 600, 1_300]); // 500 + 100 backoff, 1100 + 200 backoff
    for (const signal of signals) {
      expect(signal!.aborted).toBe(true);
      expect(signal!.reason).toBeInstanceOf(TimeoutError);
    }
    expect(new Set(signals).size).toBe(3); // one signal per attempt
  });

  it('counts as a breaker failure: timed-out attempts open the breaker, which then refuses', async () => {
    const breaker = CircuitBreakerPolicy.create(
      'b',
      { failureThreshold: 2, recoveryTimeMs: 120_000 },
      { clock, store },
    );
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 200 }), retry: retryP(), breaker, clock });
    const s = observe(run.execute(hang));
    await clock.runAll();
    expect(starts).toEqual([0, 300]);
    expect(s.error).toBeInstanceOf(CircuitBreakerOpenError); // its hint is beyond maxRetryAfterMs
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failures: 2, rejections: 1 });
  });

  it('covers the method only: waits for tokens and for a bulkhead slot do not count', async () => {
    const limiter = RateLimiterPolicy.create('l', { rate: 1, periodMs: 1_000, burst: 1 }, { clock, store });
    await limiter.acquire();
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 500 }), bulkhead, limiter, clock });
    const s = observe(run.execute(takes(400)));
    await clock.runAll();
    expect(s.value).toBe('done');
    expect(starts).toEqual([1_000]);
    expect([bulkhead.entered, bulkhead.left]).toEqual([1, 1]);
  });

  it('the slot is given back at the deadline, even when the method ignores its signal', async () => {
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 300 }), bulkhead, clock });
    const first = observe(run.execute(hang));
    const second = observe(run.execute(takes(100)));
    await clock.advance(299);
    expect(bulkhead.queue).toHaveLength(1);
    await clock.advance(1);
    expect(first.error).toBeInstanceOf(TimeoutError);
    await clock.runAll();
    expect(second.value).toBe('done');
    expect(starts).toEqual([0, 300]);
    expect([bulkhead.entered, bulkhead.left, bulkhead.active]).toEqual([2, 2, 0]);
  });
});

describe('createPipeline: total timeout', () => {
  it('stops the retries: a retry delay past the deadline is cut short, no further attempt', async () => {
    const run = createPipeline({
      timeout: timeoutStage({ totalMs: 1_000 }),
      retry: retryP({ retryOn: () => true }),
      clock,
    });
    const s = observe(
      run.execute(({ attempt }) => {
        starts.push(clock.now());
        return Promise.reject(new Error(`attempt ${attempt}`));
      }),
    );
    await clock.advance(1_000);
    expect(s.error).toMatchObject({ scope: 'total', timeoutMs: 1_000 });
    expect(starts).toEqual([0, 100, 300, 700]); // the wait of 800 ms after 700 is cancelled at 1000
    await clock.runAll();
    expect(starts).toHaveLength(4);
  });

  it('cancels a wait for tokens at the deadline (the waiter leaves the queue)', async () => {
    const limiter = RateLimiterPolicy.create('l', { rate: 1, periodMs: 10_000, burst: 1 }, { clock, store });
    await limiter.acquire();
    const run = createPipeline({ timeout: timeoutStage({ totalMs: 2_000 }), limiter, clock });
    const s = observe(run.execute(takes(1)));
    await clock.advance(1_999);
    expect(limiter.snapshot().waiting).toBe(1);
    await clock.advance(1);
    expect(s.error).toBeInstanceOf(TimeoutError);
    expect(limiter.snapshot().waiting).toBe(0);
    expect(starts).toEqual([]);
  });

  it('ends a running attempt: its signal aborts, it is not retried, the breaker counts it, the slot goes back', async () => {
    const breaker = CircuitBreakerPolicy.create('b', { failureThreshold: 5 }, { clock, store });
    const bulkhead = new TestBulkhead(1);
    const retry = retryP({ retryOn: () => true });
    let retries = 0;
    retry.onRetry(() => retries++);
    const timeout = timeoutStage({ attemptMs: 5_000, totalMs: 700 });
    const run = createPipeline({ timeout, retry, breaker, bulkhead, clock });
    const s = observe(run.execute(hang));
    await clock.advance(700);
    expect(s.error).toMatchObject({ scope: 'total' });
    expect(signals[0]!.reason).toBe(s.error);
    expect(retries).toBe(0);
    expect(breaker.snapshot().failures).toBe(1);
    expect([bulkhead.entered, bulkhead.left]).toEqual([1, 1]);
  });

  it('a fallback outside the total timeout handles it', async () => {
    const fallback = fallbackStage(
      (e) => e instanceof TimeoutError,
      () => 'cached',
    );
    const run = createPipeline({ fallback, timeout: timeoutStage({ totalMs: 100 }), clock });
    const s = observe(run.execute(hang));
    await clock.runAll();
    expect(s.value).toBe('cached');
    expect(fallback.calls[0]!.error).toMatchObject({ scope: 'total' });
  });
});

describe('createPipeline: timeout signals and timers', () => {
  it('one timer per deadline while the method runs; none after it settles', async () => {
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 500, totalMs: 1_000 }), clock });
    const s = observe(run.execute(takes(100)));
    await clock.advance(0);
    expect(clock.pendingTimers()).toBe(3); // total, attempt, and the method's own
    await clock.advance(100);
    expect(s.value).toBe('done');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('without a timeout stage the method gets the caller signal itself and no timer is armed', async () => {
    const ac = new AbortController();
    const run = createPipeline({ retry: retryP(), clock });
    const s = observe(run.execute(takes(10), { signal: ac.signal }));
    await clock.advance(0);
    expect(clock.pendingTimers()).toBe(1); // the method's own
    await clock.runAll();
    expect(s.value).toBe('done');
    expect(signals).toEqual([ac.signal]);
  });

  it("signalArg: args[signalArg] becomes the attempt signal, linked to the caller's; the caller's array is untouched", async () => {
    const timeout = timeoutStage({ attemptMs: 1_000, signalArg: 1 });
    const run = createPipeline({ timeout, clock });
    const caller = new AbortController();
    const args = ['q', caller.signal] as const;
    const seen: unknown[][] = [];
    const method = (...a: unknown[]) => {
      seen.push(a);
      return new Promise((_, reject) =>
        (a[1] as AbortSignal).addEventListener('abort', () => reject(new Error('stopped'))),
      );
    };
    const s = observe(run(method, undefined, args));
    await clock.advance(0);
    const handed = seen[0]![1] as AbortSignal;
    expect(seen[0]![0]).toBe('q');
    expect(handed).not.toBe(caller.signal);
    expect(args[1]).toBe(caller.signal);
    caller.abort('user left');
    await clock.advance(0);
    expect(handed.reason).toBe('user left');
    expect(s.error).toEqual(new Error('stopped')); // a caller's abort: the attempt's own error
  });

  it('an already-aborted caller signal: no attempt, no timer', async () => {
    const ac = new AbortController();
    ac.abort('early');
    const run = createPipeline({ timeout: timeoutStage({ attemptMs: 100, totalMs: 1_000 }), clock });
    await expect(run.execute(hang, { signal: ac.signal })).rejects.toBe('early');
    expect(starts).toEqual([]);
  });
});
