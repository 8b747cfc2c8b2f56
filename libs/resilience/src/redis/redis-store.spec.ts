import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import {
  CircuitBreakerOpenError,
  MemoryCounters,
  MemoryStore,
  ResilienceConfigError,
  VirtualClock,
  systemClock,
} from '../core/index.js';
import { ResilienceModule } from '../nest/resilience.module.js';
import { ResilienceRegistry } from '../nest/registry/resilience.registry.js';
import { RedisStore, StoreUnavailableError, type StoreStatusEvent } from './index.js';
import { startRedisServer, uniquePrefix } from './testing-support/redis-server.js';
import { useTestRedis } from './testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

describe('RedisStore options and module wiring (real Redis)', () => {
  const t = useTestRedis();
  const { prefixes } = t;

  it.each([
    [{}, 'store.url'],
    [{ url: 'redis://127.0.0.1:1', client: {} }, 'store.client'],
    [{ url: 'http://user:secret@host' }, 'store.url'],
    [{ url: 'redis://:secret@127.0.0.1:abc' }, 'store.url'],
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
    const registry = await ResilienceRegistry.create({
      store: { type: 'redis', url: t.url, keyPrefix, logger: quiet },
      limiters: { api: { rate: 5 }, local: { rate: 5, shared: false } },
    });
    expect(registry.storeKind).toBe('redis');
    await registry.limiter('api').acquire();
    await registry.limiter('local').acquire();
    expect(await t.admin.exists(`${keyPrefix}{limiter:api}`)).toBe(1);
    expect(await t.admin.exists(`${keyPrefix}{limiter:local}`)).toBe(0);
    const store = registry.store as RedisStore;
    await registry.close();
    expect(store.client.status).toBe('end');
  });

  it.each([
    [{ limiters: { a: { rate: 1, onStoreError: 'nope' } } }, 'limiters.a.onStoreError', '"nope"'],
    [{ breakers: { default: { onStoreError: 5 } } }, 'breakers.default.onStoreError', '5'],
  ])('a bad per-policy onStoreError %j throws at %s', async (options, path, shown) => {
    const err = await ResilienceRegistry.create({
      store: { type: 'redis', url: t.url, keyPrefix: uniquePrefix('bad'), logger: quiet },
      ...(options as object),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as ResilienceConfigError).path).toBe(path);
    expect((err as Error).message).toContain(shown);
  });

  it('a Nest application closes the client it created on shutdown', async () => {
    const keyPrefix = uniquePrefix('nest');
    prefixes.push(keyPrefix);
    @Module({
      imports: [
        ResilienceModule.forRoot({
          store: { type: 'redis', url: t.url, keyPrefix, logger: quiet },
          limiters: { api: { rate: 5 } },
        }),
      ],
    })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const registry = app.get(ResilienceRegistry);
    await registry.limiter('api').acquire();
    const store = registry.store as RedisStore;
    expect(store.client.status).toBe('ready');
    await app.close();
    expect(store.client.status).toBe('end');
  });

  it('{ type: "redis", client } leaves the client open on shutdown', async () => {
    const client = new Redis(t.url);
    await client.ping();
    const registry = await ResilienceRegistry.create({
      store: { type: 'redis', client, keyPrefix: uniquePrefix('client'), logger: quiet },
    });
    await registry.close();
    expect(client.status).toBe('ready');
    client.disconnect();
  });

  it('counters add up across stores and expire with their window', async () => {
    const keyPrefix = uniquePrefix('counters');
    prefixes.push(keyPrefix);
    const a = await RedisStore.create({ url: t.url, keyPrefix, logger: quiet });
    const b = await RedisStore.create({ url: t.url, keyPrefix, logger: quiet });
    const ca = a.createCounters(systemClock);
    const cb = b.createCounters(systemClock);
    expect(await ca.incrBy('spend:2026-11', 1.5, 60_000)).toBe(1.5);
    expect(await cb.incrBy('spend:2026-11', 2, 60_000)).toBe(3.5);
    expect(await ca.get('spend:2026-11')).toBe(3.5);
    expect(await cb.get('other')).toBe(0);
    const ttl = await t.admin.pttl(`${keyPrefix}{counter:spend:2026-11}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await a.close();
    await b.close();
  });
});

describe('per-policy onStoreError, one report per outage, no password in logs (own redis-server)', () => {
  it('each policy keeps its failure mode; the outage is logged and reported once; shared mode resumes', async () => {
    const password = 's3cret-pw';
    const server = await startRedisServer(undefined, { password });
    const lines: string[] = [];
    const logger = { warn: (m: string) => lines.push(`warn ${m}`), log: (m: string) => lines.push(`log ${m}`) };
    const events: StoreStatusEvent[] = [];
    const registry = await ResilienceRegistry.create({
      store: {
        type: 'redis',
        url: server.url,
        keyPrefix: uniquePrefix('per-policy'),
        logger,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
        onStoreStatus: (e: StoreStatusEvent) => events.push(e),
      },
      limiters: {
        lenient: { rate: 10, burst: 4, mode: 'reject' },
        strict: { rate: 10, burst: 4, mode: 'reject', onStoreError: 'fail-closed' },
      },
      breakers: {
        guarded: { shared: true, onStoreError: 'fail-closed' },
        relaxed: { shared: true, failureThreshold: 1 },
      },
    });
    const store = registry.store as RedisStore;
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e as Error).name,
      );
    try {
      for (const name of ['lenient', 'strict']) await registry.limiter(name).acquire();
      const counters = store.createCounters(systemClock);
      const strictCounters = store.withStoreErrorPolicy('fail-closed').createCounters!(systemClock);
      expect(await counters.incrBy('spend', 2, 60_000)).toBe(2);
      expect(await registry.breaker('guarded').execute(() => 1)).toBe(1);
      await server.stop();
      // Detecting the outage costs one failed (or timed-out) store call; then each policy's mode applies.
      await outcome(registry.limiter('lenient').acquire());
      expect(store.available).toBe(false);
      const strict: string[] = [];
      const lenient: string[] = [];
      for (let i = 0; i < 5; i++) strict.push(await outcome(registry.limiter('strict').acquire()));
      // The local share starts empty (rate 10/s: a token per 100 ms): let it refill a little.
      await new Promise((r) => setTimeout(r, 250));
      for (let i = 0; i < 3; i++) lenient.push(await outcome(registry.limiter('lenient').acquire()));
      expect(strict).toEqual(Array(5).fill('StoreUnavailableError'));
      // Local share of a burst of 4 with expectedReplicas 1, refilled for 250 ms: about 2 tokens.
      expect(lenient.filter((r) => r === 'ok').length).toBeGreaterThan(0);
      expect(lenient.every((r) => r === 'ok' || r === 'RateLimiterRejectedError')).toBe(true);
      await expect(registry.breaker('guarded').execute(() => 'ran')).rejects.toBeInstanceOf(StoreUnavailableError);
      // Counters: fail-open counts locally (from 0: the shared value is out of reach); fail-closed rejects.
      expect(await counters.incrBy('spend', 1, 60_000)).toBe(1);
      await expect(strictCounters.incrBy('spend', 1, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
      // fail-open breaker: a local in-memory breaker decides (one failure opens it here).
      await expect(registry.breaker('relaxed').execute(() => Promise.reject(new Error('boom')))).rejects.toThrow(
        'boom',
      );
      await expect(registry.breaker('relaxed').execute(() => 'ran')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
      expect(events.map((e) => e.type)).toEqual(['store.down']);
      expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(1);
      await server.start();
      for (let i = 0; i < 100 && !store.available; i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => e.type)).toEqual(['store.down', 'store.up']);
      expect(lines.filter((l) => l.startsWith('log'))).toHaveLength(1);
      // The first shared call drains the key (see RedisBucket); a token is back 100 ms later.
      await outcome(registry.limiter('strict').acquire());
      await new Promise((r) => setTimeout(r, 150));
      await registry.limiter('strict').acquire();
      // Shared again (the restarted server is empty: no persistence): both views read one key.
      expect(await counters.incrBy('spend', 5, 60_000)).toBe(5);
      expect(await strictCounters.get('spend')).toBe(5);
      expect(await registry.breaker('guarded').execute(() => 'back')).toBe('back');
      // The fail-open breaker opened during the outage stays open until its recovery time is up
      // (its opening is carried to Redis on resume): an open period never ends early.
      await expect(registry.breaker('relaxed').execute(() => 'too early')).rejects.toBeInstanceOf(
        CircuitBreakerOpenError,
      );
      expect(registry.breaker('relaxed').state()).toBe('open');
      const said = [...lines, ...events.map((e) => e.error ?? '')].join('\n');
      expect(said).not.toContain(password);
      expect(said).not.toContain('redis://');
    } finally {
      await registry.close();
      await server.stop();
    }
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
