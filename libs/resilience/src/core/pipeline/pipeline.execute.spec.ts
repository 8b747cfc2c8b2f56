import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import { observe } from '../testing-support/observe.js';
import { createPipeline } from './pipeline.js';
import { fallbackStage } from './testing-support/inline-stages.js';

class TransientError extends Error {
  readonly isTransient = true;
}

let clock: VirtualClock;
let store: MemoryStore;

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const breakerP = (o: object = {}) => CircuitBreakerPolicy.create('b', { failureThreshold: 1, ...o }, { clock, store });
const limiterP = (o: object = {}) =>
  RateLimiterPolicy.create('l', { rate: 10, periodMs: 1000, burst: 1, ...o }, { clock, store });
const retryP = (o: object = {}) =>
  RetryPolicy.create('r', { maxRetries: 2, baseDelayMs: 100, jitter: 'none', ...o }, { clock });

describe('createPipeline: fallback wraps everything', () => {
  it('a handled error (after the retries, or a refusal) resolves to the fallback with thisArg and args', async () => {
    const fallback = fallbackStage(
      (e) => (e as { isTransient?: boolean }).isTransient === true,
      (e) => `fallback:${(e as Error).constructor.name}`,
    );
    const breaker = breakerP({ failureThreshold: 3, recoveryTimeMs: 60_000 });
    const run = createPipeline({ fallback, retry: retryP({ maxRetries: 5 }), breaker, clock });
    const target = { id: 't' };
    const s = observe(run(() => Promise.reject(new TransientError('t')), target, ['arg']));
    await clock.runAll();
    // Three failures open the breaker; the 4th attempt is refused with a hint beyond maxRetryAfterMs.
    expect(s.value).toBe('fallback:CircuitBreakerOpenError');
    expect(fallback.calls).toHaveLength(1);
    expect(fallback.calls[0]!.thisArg).toBe(target);
    expect(fallback.calls[0]!.args).toEqual(['arg']);
  });

  it('an error the fallback does not handle is rethrown as is', async () => {
    const fallback = fallbackStage(
      (e) => !(e instanceof TypeError),
      () => 'fallback',
    );
    const run = createPipeline({ fallback, clock });
    const bug = new TypeError('bug');
    await expect(run(() => Promise.reject(bug), undefined, [])).rejects.toBe(bug);
    await expect(run(() => 'fine', undefined, [])).resolves.toBe('fine');
    expect(fallback.calls).toEqual([]);
  });

  it('a rejecting fallback rejects the call with its error', async () => {
    const failed = new Error('fallback failed');
    const fallback = fallbackStage(
      () => true,
      () => Promise.reject(failed),
    );
    await expect(createPipeline({ fallback })(() => Promise.reject(new Error('x')), undefined, [])).rejects.toBe(
      failed,
    );
  });
});

describe('Pipeline.execute: the context call shape', () => {
  it('hands fn { signal, attempt } (1-based), selects partitions by options.args and overrides tokens', async () => {
    const limiter = limiterP({ rate: 10, burst: 10, partitionKey: (tenant: string) => tenant, mode: 'reject' });
    const run = createPipeline({ retry: retryP({ retryOn: () => true }), limiter, clock });
    const ac = new AbortController();
    const seen: Array<[number, AbortSignal | undefined]> = [];
    const s = observe(
      run.execute(
        ({ signal, attempt }) => {
          seen.push([attempt, signal]);
          if (attempt < 2) throw new TransientError('t');
          return 'done';
        },
        { args: ['acme'], signal: ac.signal, tokens: 4 },
      ),
    );
    await clock.runAll();
    expect(s.value).toBe('done');
    expect(seen).toEqual([
      [1, ac.signal],
      [2, ac.signal],
    ]);
    expect(limiter.snapshot('acme').available).toBeCloseTo(3, 6); // 10 − 2 attempts × 4 tokens + 1 refilled in 100 ms
    const once = createPipeline({ limiter, clock });
    await expect(once.execute(() => 'x', { args: ['acme'], tokens: 11 })).rejects.toBeInstanceOf(ResilienceConfigError);
    const refused = once.execute(() => 'x', { args: ['acme'], tokens: 4 });
    await expect(refused).rejects.toBeInstanceOf(RateLimiterRejectedError);
    await expect(refused).rejects.toMatchObject({ tokens: 4 });
  });

  it('with no stage: attempt 1 and the caller signal', async () => {
    const run = createPipeline({});
    const ac = new AbortController();
    await expect(run.execute((ctx) => ctx, { signal: ac.signal })).resolves.toEqual({ signal: ac.signal, attempt: 1 });
    await expect(run.execute((ctx) => ctx)).resolves.toEqual({ signal: undefined, attempt: 1 });
  });
});
