import { describe, expect, it } from '@jest/globals';
import { CircuitBreakerOpenError, CircuitBreakerPolicy, createPipeline, RateLimiterPolicy } from '../../core/index.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

// Issue 8 §3 with the shared breaker, whose admission may be a round trip: a caller queued at
// the limiter is decided by the breaker only once its token is there.

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisBreaker ▸ rate limiter in one pipeline (real Redis)', () => {
  const t = useTestRedis();

  async function stores(n: number): Promise<RedisStore[]> {
    const prefix = uniquePrefix('breaker-pipeline');
    t.prefixes.push(prefix);
    const out: RedisStore[] = [];
    for (let i = 0; i < n; i++)
      out.push(await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20 }));
    t.stores.push(...out);
    return out;
  }

  /** Polls one field of a Redis hash until it has `value` (bounded: 100 × 10 ms). */
  async function fieldBecomes(key: string, field: string, value: string): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      if ((await t.admin.hget(key, field)) === value) return true;
      await sleep(10);
    }
    return false;
  }

  it('callers queued at the limiter when another process opens the shared breaker never reach fn and give their tokens back', async () => {
    const [sa, sb] = await stores(2);
    const options = { failureThreshold: 1, recoveryTimeMs: 30_000 };
    const a = CircuitBreakerPolicy.create('queued', options, { store: sa! });
    const b = CircuitBreakerPolicy.create('queued', options, { store: sb! });
    const limiter = RateLimiterPolicy.create('queued', { rate: 5, periodMs: 1000, burst: 1, maxWaitMs: 10_000 });
    const bucket = limiter.bucketFor([]);
    const run = createPipeline({ breaker: a, limiter });
    let calls = 0;
    const upstream = async () => ++calls;
    expect(await run(upstream, undefined, [])).toBe(1); // takes the token; a's cache reads "closed"
    const queued = Array.from({ length: 5 }, () => run(upstream, undefined, []).catch((e: unknown) => e));
    expect(bucket.waiting()).toBe(5);
    b.forceOpen(); // another process opens the shared breaker while they wait (first token in 200 ms)
    expect(await fieldBecomes(sb!.keyOf('breaker:queued'), 'f', '1')).toBe(true);
    const results = await Promise.all(queued);
    expect(calls).toBe(1); // none of the five reached the upstream
    expect(results.every((r) => r instanceof CircuitBreakerOpenError && r.state === 'open')).toBe(true);
    // Their tokens came back: the bucket holds its token again (a reject-mode take succeeds).
    expect(bucket.waiting()).toBe(0);
    expect(bucket.acquire(1, 0)).toBeUndefined();
  });

  it('half-open: a caller queued at the limiter takes no shared trial slot until its token arrives', async () => {
    const [sa] = await stores(1);
    const breaker = CircuitBreakerPolicy.create(
      'trial',
      { failureThreshold: 1, recoveryTimeMs: 100, halfOpenMaxCalls: 1 },
      { store: sa! },
    );
    const key = sa!.keyOf('breaker:trial');
    const limiter = RateLimiterPolicy.create('trial', { rate: 1, periodMs: 600, burst: 1, maxWaitMs: 10_000 });
    const bucket = limiter.bucketFor([]);
    const run = createPipeline({ breaker, limiter });
    await expect(breaker.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await fieldBecomes(key, 's', '1')).toBe(true);
    await sleep(150); // the recovery time passes: the next admission in Redis is a trial
    expect(bucket.acquire(1, 0)).toBeUndefined(); // the bucket is empty now: the next token in 600 ms
    let ran = 0;
    const call = run(async () => ++ran, undefined, []);
    await sleep(100);
    // Still queued for its token: no trial slot is held for it in Redis (it would block every other process).
    expect(bucket.waiting()).toBe(1);
    expect(await t.admin.hget(key, 'tf')).not.toBe('1');
    expect(await call).toBe(1); // its token arrived: now it is the trial, and it succeeds
    expect(await fieldBecomes(key, 's', '0')).toBe(true);
  });
});
