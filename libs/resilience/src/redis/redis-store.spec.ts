import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { MemoryCounters, MemoryStore, ResilienceConfigError, VirtualClock, systemClock } from '../core/index.js';
import { ResilienceRegistry } from '../nest/resilience.registry.js';
import { RedisStore } from './index.js';
import { deleteKeys, testRedis, uniquePrefix } from './testing-support/redis-server.js';

const quiet = { warn: () => undefined, log: () => undefined };

describe('RedisStore options and module wiring (real Redis)', () => {
  let redis: { url: string; stop(): Promise<void> };
  let admin: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    redis = await testRedis();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p);
    admin.disconnect();
    await redis.stop();
  });

  it.each([
    [{}, 'store.url'],
    [{ url: 'redis://127.0.0.1:1', client: {} }, 'store.client'],
    [{ url: 'http://user:secret@host' }, 'store.url'],
    [{ url: 'redis://127.0.0.1:6379', storeTimeoutMs: 0 }, 'store.storeTimeoutMs'],
    [{ url: 'redis://127.0.0.1:6379', onStoreError: 'maybe' }, 'store.onStoreError'],
    [{ url: 'redis://127.0.0.1:6379', expectedReplicas: 1.5 }, 'store.expectedReplicas'],
    [{ url: 'redis://127.0.0.1:6379', keyPrefix: 'a{b}' }, 'store.keyPrefix'],
    [{ url: 'redis://127.0.0.1:6379', keyprefix: 'x' }, 'store.keyprefix'],
  ])('bad store options %j throw ResilienceConfigError at %s', async (options, path) => {
    const err = await ResilienceRegistry.create({ store: { type: 'redis', ...options } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as ResilienceConfigError).path).toBe(path);
    expect((err as Error).message).not.toContain('secret');
  });

  it('{ type: "redis", url } creates a store the module owns: limiters share it, close() closes the client', async () => {
    const keyPrefix = uniquePrefix('module');
    prefixes.push(keyPrefix);
    const registry = await ResilienceRegistry.create({ store: { type: 'redis', url: redis.url, keyPrefix, logger: quiet }, limiters: { api: { rate: 5 }, local: { rate: 5, shared: false } } });
    expect(registry.storeKind).toBe('redis');
    await registry.limiter('api').acquire();
    await registry.limiter('local').acquire();
    expect(await admin.exists(`${keyPrefix}{limiter:api}`)).toBe(1);
    expect(await admin.exists(`${keyPrefix}{limiter:local}`)).toBe(0);
    const store = registry.store as RedisStore;
    await registry.close();
    expect(store.client.status).toBe('end');
  });

  it('{ type: "redis", client } leaves the client open on shutdown', async () => {
    const client = new Redis(redis.url);
    await client.ping();
    const registry = await ResilienceRegistry.create({ store: { type: 'redis', client, keyPrefix: uniquePrefix('client'), logger: quiet } });
    await registry.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });

  it('counters add up across stores and expire with their window', async () => {
    const keyPrefix = uniquePrefix('counters');
    prefixes.push(keyPrefix);
    const a = await RedisStore.create({ url: redis.url, keyPrefix, logger: quiet });
    const b = await RedisStore.create({ url: redis.url, keyPrefix, logger: quiet });
    const ca = a.createCounters(systemClock);
    const cb = b.createCounters(systemClock);
    expect(await ca.incrBy('spend:2026-11', 1.5, 60_000)).toBe(1.5);
    expect(await cb.incrBy('spend:2026-11', 2, 60_000)).toBe(3.5);
    expect(await ca.get('spend:2026-11')).toBe(3.5);
    expect(await cb.get('other')).toBe(0);
    const ttl = await admin.pttl(`${keyPrefix}{counter:spend:2026-11}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await a.close();
    await b.close();
  });
});

describe('MemoryCounters', () => {
  it('counts per key and forgets a key after its window', async () => {
    const clock = new VirtualClock();
    const counters = new MemoryStore().createCounters(clock);
    expect(counters).toBeInstanceOf(MemoryCounters);
    expect(await counters.incrBy('k', 2, 1000)).toBe(2);
    expect(await counters.incrBy('k', -0.5, 1000)).toBe(1.5);
    await clock.advance(999);
    expect(await counters.get('k')).toBe(1.5);
    await clock.advance(1);
    expect(await counters.get('k')).toBe(0);
    expect(await counters.incrBy('k', 1, 1000)).toBe(1);
  });
});
