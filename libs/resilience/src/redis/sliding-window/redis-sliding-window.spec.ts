import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy, RateLimiterRejectedError, ResilienceConfigError } from '../../core/index.js';
import { RedisStore, StoreUnavailableError } from '../index.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as Error).name,
  );

describe('RedisSlidingWindow (real Redis)', () => {
  const t = useTestRedis();
  const { prefixes, stores } = t;

  async function store(extra: Record<string, unknown> = {}): Promise<{ store: RedisStore; prefix: string }> {
    const prefix = uniquePrefix('window');
    prefixes.push(prefix);
    const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, ...extra });
    stores.push(s);
    return { store: s, prefix };
  }

  const window = (name: string, s: RedisStore, extra: Record<string, unknown> = {}) =>
    RateLimiterPolicy.create(
      name,
      { algorithm: 'sliding-window', rate: 5, periodMs: 60_000, mode: 'reject', ...extra },
      { store: s },
    );

  it('admits the limit at once, then rejects with the wait until the oldest admission leaves the window', async () => {
    const { store: s } = await store();
    const limiter = window('limit', s, { safetyMarginMs: 500 });
    for (let i = 0; i < 5; i++) await limiter.acquire();
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    const ra = (err as RateLimiterRejectedError).retryAfterMs;
    // windowMs + safetyMarginMs after the first admission, less the time since.
    expect(ra).toBeGreaterThan(59_000);
    expect(ra).toBeLessThanOrEqual(60_501);
  });

  it('one window across processes: two stores (two replicas) share the limit, batches of callers included', async () => {
    const { store: a, prefix } = await store();
    const b = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    stores.push(b);
    const la = RateLimiterPolicy.create(
      'shared',
      { algorithm: 'sliding-window', rate: 40, periodMs: 60_000, mode: 'reject' },
      { store: a },
    );
    const lb = RateLimiterPolicy.create(
      'shared',
      { algorithm: 'sliding-window', rate: 40, periodMs: 60_000, mode: 'reject' },
      { store: b },
    );
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => outcome((i % 2 ? la : lb).acquire())));
    expect(results.filter((r) => r === 'ok')).toHaveLength(40);
    expect(results.filter((r) => r === 'RateLimiterRejectedError')).toHaveLength(10);
  });

  it('counts tokens: a call needing more than is left is refused, a smaller one still fits', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'tokens',
      { algorithm: 'sliding-window', rate: 10, periodMs: 60_000, mode: 'reject' },
      { store: s },
    );
    await limiter.acquire([], 8);
    await expect(limiter.acquire([], 3)).rejects.toBeInstanceOf(RateLimiterRejectedError);
    await limiter.acquire([], 2);
    expect(() => limiter.bucketFor([]).acquire(11, 0)).toThrow(ResilienceConfigError);
  });

  it('wait mode: waiters are admitted in FIFO order as admissions leave the window; maxWaitMs refuses at once', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'fifo',
      { algorithm: 'sliding-window', rate: 2, periodMs: 300, safetyMarginMs: 0, maxWaitMs: 1000 },
      { store: s },
    );
    const order: number[] = [];
    const all = Array.from({ length: 6 }, (_, i) => limiter.acquire().then(() => order.push(i)));
    await sleep(20);
    // 2 admitted, 4 queued for 2 per 300 ms: a seventh caller waits about 900 ms (within
    // maxWaitMs); one needing 2 more tokens would wait about 1200 ms: refused at once.
    const seventh = limiter.acquire([], 1).then(() => order.push(6));
    const late = await limiter.acquire([], 2).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RateLimiterRejectedError);
    expect((late as RateLimiterRejectedError).retryAfterMs).toBeGreaterThan(1000);
    await Promise.all([...all, seventh]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('an aborted waiter leaves at once with the abort reason', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'abort',
      { algorithm: 'sliding-window', rate: 1, periodMs: 60_000, maxWaitMs: 120_000 },
      { store: s },
    );
    await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire([], 1, ac.signal).catch((e: unknown) => e);
    await sleep(20);
    const reason = new Error('gone');
    ac.abort(reason);
    expect(await waiting).toBe(reason);
    expect(limiter.snapshot().waiting).toBe(0);
  });

  it('refund takes a call that never ran off the shared window; pause and resume', async () => {
    const { store: s } = await store();
    const limiter = window('refund', s, { rate: 2 });
    await limiter.acquire();
    await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    limiter.bucketFor([]).refund(1);
    await sleep(30);
    await limiter.acquire();
    limiter.bucketFor([]).refund(2);
    await sleep(30);
    limiter.pauseUntil(limiter.clock.now() + 30_000);
    await sleep(30);
    const paused = await limiter.acquire().catch((e: unknown) => e);
    expect(paused).toBeInstanceOf(RateLimiterRejectedError);
    expect((paused as RateLimiterRejectedError).retryAfterMs).toBeGreaterThan(29_000);
    limiter.bucketFor([]).resume();
    await sleep(30);
    await limiter.acquire();
  });

  it('keys are prefixed and hash-tagged, with a TTL of about the span', async () => {
    const { store: s, prefix } = await store();
    const limiter = RateLimiterPolicy.create(
      'keys',
      { algorithm: 'sliding-window', rate: 10, periodMs: 2000, safetyMarginMs: 40 },
      { store: s },
    );
    await limiter.acquire();
    const key = `${prefix}{limiter:keys}`;
    expect(await t.admin.exists(key)).toBe(1);
    const ttl = await t.admin.pttl(key);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3041);
  });

  it('a store without sliding windows is refused at creation, naming the option', () => {
    const store = { kind: 'custom', createBucket: () => undefined as never, createBreaker: () => undefined as never };
    expect(() => RateLimiterPolicy.create('custom', { algorithm: 'sliding-window', rate: 1 }, { store })).toThrow(
      /limiters\.custom\.algorithm/,
    );
  });

  describe('when Redis goes away', () => {
    let server: TestRedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      for (const s of stores) await s.close();
      await server.stop();
    });

    it('fail-open, one replica: the local window holds what this process admitted; what it admitted still counts once Redis is back', async () => {
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('wfo'),
        logger: quiet,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create(
        'wfo',
        { algorithm: 'sliding-window', rate: 6, periodMs: 60_000, mode: 'reject' },
        { store: s },
      );
      await limiter.acquire();
      await limiter.acquire();
      await server.stop();
      // The first call finds Redis down and goes to the local window, which counts the 2 admitted by Redis.
      const local: string[] = [];
      for (let i = 0; i < 5; i++) local.push(await outcome(limiter.acquire()));
      expect(local).toEqual(['ok', 'ok', 'ok', 'ok', 'RateLimiterRejectedError']);
      await server.start(); // empty: the restarted Redis knows nothing of the window
      for (let i = 0; i < 100 && !s.available; i++) await sleep(50);
      expect(s.available).toBe(true);
      // The 6 this process admitted (2 shared, 4 local) are carried into the shared log: none fits.
      expect(await outcome(limiter.acquire())).toBe('RateLimiterRejectedError');
    });

    it('fail-open, two replicas: the local window (limit / 2) starts full, since the other replica may have used the limit', async () => {
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('wfo2'),
        logger: quiet,
        expectedReplicas: 2,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create(
        'wfo2',
        { algorithm: 'sliding-window', rate: 6, periodMs: 60_000, mode: 'reject' },
        { store: s },
      );
      await limiter.acquire();
      await server.stop();
      const local: string[] = [];
      for (let i = 0; i < 3; i++) local.push(await outcome(limiter.acquire()));
      expect(local).toEqual(['RateLimiterRejectedError', 'RateLimiterRejectedError', 'RateLimiterRejectedError']);
      await server.start();
      for (let i = 0; i < 100 && !s.available; i++) await sleep(50);
      expect(s.available).toBe(true);
      // Back, within the window: the local window is still a second constraint (full for 60 s).
      expect(await outcome(limiter.acquire())).toBe('RateLimiterRejectedError');
    });

    it('fail-closed: rejects with StoreUnavailableError while down', async () => {
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('wfc'),
        logger: quiet,
        onStoreError: 'fail-closed',
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create(
        'wfc',
        { algorithm: 'sliding-window', rate: 6, periodMs: 60_000 },
        { store: s },
      );
      await limiter.acquire();
      await server.stop();
      expect(await limiter.acquire().catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError);
      expect(await limiter.acquire().catch((e: unknown) => e)).toBeInstanceOf(StoreUnavailableError);
      await server.start();
      for (let i = 0; i < 100 && !s.available; i++) await sleep(50);
      await limiter.acquire();
    });
  });
});
