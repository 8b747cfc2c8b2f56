// A charge made while Redis is down is not lost: it is kept and sent before the next script
// call once Redis is back (own redis-server, SIGKILLed and restarted: the key is gone by then).
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimiterRejectedError, StoreUnavailableError, systemClock } from '../../core/index.js';
import { RedisStore } from '../index.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisBucket.settle through a Redis outage', () => {
  let server: TestRedisServer | undefined;
  let store: RedisStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.kill();
    store = server = undefined;
  });

  it('fail-closed: a charge while down becomes debt in the shared bucket after the restart', async () => {
    server = await startRedisServer();
    const prefix = uniquePrefix('settle-outage');
    store = await RedisStore.create({
      url: server.url,
      keyPrefix: prefix,
      logger: quiet,
      probeIntervalMs: 100,
      onStoreError: 'fail-closed',
    });
    const bucket = store.createBucket(
      { policy: 'debt', key: 'bucket:debt' },
      { rate: 1, periodMs: 100_000, burst: 10 },
      systemClock,
    );
    await bucket.acquire(1, 0);
    await server.kill();
    await Promise.resolve(bucket.acquire(1, 5000)).catch(() => undefined); // a failing call: down
    for (let i = 0; i < 100 && store.available; i++) await sleep(20);
    expect(store.available).toBe(false);
    bucket.settle(1, 26, 5); // 25 more than reserved, while down
    expect(() => bucket.acquire(1, 0)).toThrow(StoreUnavailableError);
    await server.start();
    for (let i = 0; i < 200 && !store.available; i++) await sleep(20);
    expect(store.available).toBe(true);
    // The restarted Redis has no key: full (10), minus the debt (25), then drained (≤ 0 stays).
    const outcome = await Promise.resolve(bucket.acquire(1, 0)).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(RateLimiterRejectedError);
    const admin = new Redis(server.url);
    try {
      const [key] = await admin.keys(`${prefix}*`);
      expect(Number(await admin.hget(key!, 'l'))).toBeCloseTo(-15, 1);
    } finally {
      admin.disconnect();
    }
  });
});
