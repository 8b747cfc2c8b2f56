import { describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy } from '../core/index.js';
import { RedisStore, type StoreStatusEvent } from './index.js';
import { RateLimiterRejectedError } from '../core/index.js';
import { startRedisServer, uniquePrefix } from './testing-support/redis-server.js';
import { useTestRedis } from './testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

describe('StoreLink: a busy event loop is not an outage (real Redis)', () => {
  const t = useTestRedis();

  it('3,000 calls in one tick and a 500 ms synchronous stall: no down event, every call admitted by Redis', async () => {
    const events: StoreStatusEvent[] = [];
    const keyPrefix = uniquePrefix('busy');
    t.prefixes.push(keyPrefix);
    // Default storeTimeoutMs (200): the stall is 2.5 times longer.
    const store = await RedisStore.create({
      url: t.url,
      keyPrefix,
      logger: quiet,
      onStoreStatus: (e) => events.push(e),
    });
    t.stores.push(store);
    const limiter = RateLimiterPolicy.create(
      'busy',
      { rate: 3000, periodMs: 1000, burst: 100, maxWaitMs: 10_000 },
      { store },
    );
    const calls = Array.from({ length: 3000 }, () =>
      limiter.acquire().then(
        () => 'ok',
        (e: unknown) => (e as Error).name,
      ),
    );
    const until = performance.now() + 500;
    while (performance.now() < until) {
      // a synchronous stall: the script's answer waits unread in the socket
    }
    const results = await Promise.all(calls);
    expect(events).toEqual([]);
    expect(store.available).toBe(true);
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
  }, 30_000);

  it('a Redis that stops answering (SIGSTOP) is still detected, within about storeTimeoutMs + one PING', async () => {
    const server = await startRedisServer();
    const events: Array<StoreStatusEvent & { wall: number }> = [];
    const storeTimeoutMs = 150;
    const store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix('stopped'),
      logger: quiet,
      storeTimeoutMs,
      probeIntervalMs: 50,
      onStoreStatus: (e) => events.push({ ...e, wall: performance.now() }),
    });
    try {
      const limiter = RateLimiterPolicy.create(
        'stopped',
        { rate: 10, periodMs: 1000, burst: 5, mode: 'reject' },
        { store },
      );
      await limiter.acquire();
      server.signal('SIGSTOP');
      const stoppedAt = performance.now();
      // The command waits for its timeout, then for the confirming PING's; then the caller is
      // refused by the local share (it starts empty): it never waits for Redis to come back.
      await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
      expect(events.map((e) => e.type)).toEqual(['store.down']);
      expect(events[0]!.error).toContain(`no answer within ${storeTimeoutMs} ms`);
      // Two periods and scheduling slack (the bound is loose on purpose: a loaded CI machine).
      expect(events[0]!.wall - stoppedAt).toBeLessThanOrEqual(2 * storeTimeoutMs + 250);
      expect(events[0]!.wall - stoppedAt).toBeGreaterThanOrEqual(2 * storeTimeoutMs - 5);
      server.signal('SIGCONT');
      for (let i = 0; i < 100 && !store.available; i++) await new Promise((r) => setTimeout(r, 20));
      expect(events.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    } finally {
      server.signal('SIGCONT');
      await store.close();
      await server.kill();
    }
  }, 20_000);
});
