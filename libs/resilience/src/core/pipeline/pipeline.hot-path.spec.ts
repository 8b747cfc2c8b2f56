import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import { observe } from '../testing-support/observe.js';
import { FirstAttempts } from './first-attempt.js';
import { createPipeline } from './pipeline.js';

// The retry ▸ breaker ▸ limiter stack starts attempt 1 synchronously and settles it through
// pooled handlers; these specs pin what that hot path must keep from the async loop.

class TransientError extends Error {
  readonly isTransient = true;
}
class ExcludedError extends Error {}

let clock: VirtualClock;
let store: MemoryStore;

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const breakerP = (o: object = {}) => CircuitBreakerPolicy.create('b', { failureThreshold: 2, ...o }, { clock, store });
const limiterP = (o: object = {}) =>
  RateLimiterPolicy.create('l', { rate: 1000, periodMs: 1000, burst: 1000, ...o }, { clock, store });
const retryP = (o: object = {}) =>
  RetryPolicy.create('r', { maxRetries: 1, baseDelayMs: 100, jitter: 'none', ...o }, { clock });

describe('createPipeline: hot path of retry ▸ breaker ▸ limiter', () => {
  it('a method that throws synchronously is counted before the call returns, then retried', async () => {
    const breaker = breakerP();
    const limiter = limiterP();
    const run = createPipeline({ retry: retryP(), breaker, limiter, clock });
    let calls = 0;
    const result = observe(
      run(
        () => {
          calls++;
          throw new TransientError(`sync ${calls}`);
        },
        undefined,
        [],
      ),
    );
    expect(calls).toBe(1);
    expect(breaker.snapshot().failures).toBe(1);
    expect(limiter.bucketFor([]).available()).toBe(999);
    await clock.advance(100);
    expect(calls).toBe(2);
    expect(result.state).toBe('rejected');
    expect((result.error as Error).message).toBe('sync 2');
    expect(breaker.state()).toBe('open');
  });

  it('more concurrent calls than the pool holds keep their own this, arguments and attempts, twice over', async () => {
    const breaker = breakerP({ failureThreshold: 1000 });
    const run = createPipeline({ retry: retryP(), breaker, limiter: limiterP(), clock });
    const seen = new Map<number, number>();
    async function method(this: { tag: string }, i: number): Promise<string> {
      const n = (seen.get(i) ?? 0) + 1;
      seen.set(i, n);
      if (i % 2 === 0 && n === 1) throw new TransientError(`first attempt of ${i}`);
      return `${this.tag}:${i}:${n}`;
    }
    for (let round = 0; round < 2; round++) {
      seen.clear();
      const calls = Array.from({ length: 100 }, (_, i) => observe(run(method, { tag: `t${i}` }, [i])));
      await clock.advance(100);
      calls.forEach((c, i) => expect(c.value).toBe(`t${i}:${i}:${i % 2 === 0 ? 2 : 1}`));
    }
    const snapshot = breaker.snapshot();
    expect(snapshot.successes).toBe(200);
    expect(snapshot.failures).toBe(100);
  });

  it('execute hands attempt 1 (hot path) and attempt 2 (loop) their own context', async () => {
    const run = createPipeline({ retry: retryP(), breaker: breakerP(), limiter: limiterP(), clock });
    const controller = new AbortController();
    const contexts: Array<{ attempt: number; signal: AbortSignal | undefined }> = [];
    const result = observe(
      run.execute(
        async (ctx) => {
          contexts.push({ ...ctx });
          if (ctx.attempt === 1) throw new TransientError('once');
          return 'ok';
        },
        { signal: controller.signal },
      ),
    );
    await clock.advance(100);
    expect(result.value).toBe('ok');
    expect(contexts).toEqual([
      { attempt: 1, signal: controller.signal },
      { attempt: 2, signal: controller.signal },
    ]);
  });

  it('an excluded error on the hot path counts nothing in the breaker; a plain value is adopted', async () => {
    const breaker = breakerP({ excludeOn: (e: unknown) => e instanceof ExcludedError });
    const run = createPipeline({ retry: retryP({ retryOn: () => true }), breaker, limiter: limiterP(), clock });
    let n = 0;
    const result = observe(
      run(
        () => {
          if (++n === 1) return Promise.reject(new ExcludedError('excluded'));
          return 'plain';
        },
        undefined,
        [],
      ),
    );
    await clock.advance(100);
    expect(result.value).toBe('plain');
    const snapshot = breaker.snapshot();
    expect([snapshot.failures, snapshot.successes]).toEqual([0, 1]);
  });

  it('without a retry stage: every partition records its own outcomes; an open one refuses before tokens', async () => {
    const breaker = breakerP({ failureThreshold: 1, partitionKey: (tenant: string) => tenant });
    const limiter = limiterP();
    const run = createPipeline({ breaker, limiter, clock });
    const fail = (tenant: string) => Promise.reject(new TransientError(tenant));
    const ok = (tenant: string) => Promise.resolve(tenant);
    expect(await run(ok, undefined, ['a'])).toBe('a'); // 'a' is the hot path's backend
    await expect(run(fail, undefined, ['b'])).rejects.toThrow('b');
    expect([breaker.state('a'), breaker.state('b')]).toEqual(['closed', 'open']);
    await expect(run(ok, undefined, ['b'])).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    await expect(run(fail, undefined, ['a'])).rejects.toThrow('a');
    expect(breaker.state('a')).toBe('open');
    expect(limiter.bucketFor([]).available()).toBe(997);
    expect(breaker.snapshot('a').successes).toBe(1);
  });
});

describe('FirstAttempts', () => {
  it('clears what a settled record held and keeps at most 64 records for reuse', () => {
    const pool = new FirstAttempts(
      (v) => v,
      () => Promise.resolve(),
    );
    const fn = () => 1;
    const taken = Array.from({ length: 100 }, () => pool.take(fn, {}, [1], undefined, 2, true, 5, 'low'));
    taken.forEach((a) => pool.release(a));
    expect(taken.map((a) => [a.fn, a.thisArg, a.args.length, a.signal, a.lane])).toEqual(
      taken.map(() => [undefined, undefined, 0, undefined, undefined]),
    );
    const again = new Set(
      Array.from({ length: 65 }, () => pool.take(fn, undefined, [], undefined, undefined, false, 0, undefined)),
    );
    expect([...again].filter((a) => taken.includes(a))).toHaveLength(64);
  });
});
