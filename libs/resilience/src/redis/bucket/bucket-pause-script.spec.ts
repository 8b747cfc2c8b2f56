import { describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy, RateLimiterRejectedError } from '../../core/index.js';
import { AdaptiveRateLimiter } from '../../http/limiters/adaptive-rate-limiter.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

describe('RedisBucket.resume (real Redis)', () => {
  const t = useTestRedis();

  async function store(): Promise<RedisStore> {
    const prefix = uniquePrefix('resume');
    t.prefixes.push(prefix);
    const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    t.stores.push(s);
    return s;
  }

  it('ends a pause held in Redis: the bucket refills from empty at its rate, for every process', async () => {
    const s = await store();
    const a = RateLimiterPolicy.create(
      'shared',
      { rate: 1000, periodMs: 1000, burst: 1, mode: 'reject' },
      { store: s },
    );
    const b = RateLimiterPolicy.create(
      'shared',
      { rate: 1000, periodMs: 1000, burst: 1, mode: 'reject' },
      { store: s },
    );
    a.pauseUntil(Date.now() + 60_000);
    // one connection: the next script runs after the pause script
    expect(await b.acquire().catch((e: unknown) => e)).toBeInstanceOf(RateLimiterRejectedError);
    a.bucketFor([]).resume();
    await new Promise((r) => setTimeout(r, 20)); // resume reached Redis, then ≥ 1 token refilled at 1000/s
    await expect(b.acquire()).resolves.toBeUndefined();
  });

  it('a waiter queued on the pause is admitted soon after resume, not when the pause would have ended', async () => {
    const s = await store();
    const l = RateLimiterPolicy.create(
      'waiter',
      { rate: 100, periodMs: 1000, burst: 1, maxWaitMs: 120_000 },
      { store: s },
    );
    await l.acquire();
    l.pauseUntil(Date.now() + 60_000);
    let admitted = false;
    const w = l.acquire().then(() => (admitted = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(admitted).toBe(false);
    l.bucketFor([]).resume();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([w, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    expect(admitted).toBe(true);
  });

  it('AdaptiveRateLimiter on Redis: a healthy 200 with remaining > 0 lifts a Retry-After pause', async () => {
    const s = await store();
    const l = new AdaptiveRateLimiter(
      { name: 'adaptive-redis', initialRate: 1000, burst: 1, mode: 'reject' },
      { store: s },
    );
    l.updateFromHeaders({ 'retry-after': '3600' }, 429);
    expect(await l.acquire().catch((e: unknown) => e)).toBeInstanceOf(RateLimiterRejectedError);
    expect(l.updateFromHeaders({ 'x-ratelimit-remaining': '900', 'x-ratelimit-reset': '1' }, 200).resumed).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    await expect(l.acquire()).resolves.toBeUndefined();
  });
});
