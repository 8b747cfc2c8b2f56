import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ResilienceConfigError } from '../core/errors/index.js';
import { STORE_ERROR_POLICIES } from '../core/store/store.js';
import { RedisStore } from './redis-store.js';
import { normalizeRedisStoreOptions } from './redis-store.normalize.js';
import { REDIS_STORE_DEFAULTS } from './redis-store.options.js';
import { uniquePrefix } from './testing-support/redis-server.js';
import { useTestRedis } from './testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

/** The ResilienceConfigError `fn` throws (fails the test when it throws nothing else). */
function configError(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResilienceConfigError);
    return error as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

describe('normalizeRedisStoreOptions', () => {
  it('fills in REDIS_STORE_DEFAULTS', () => {
    const o = normalizeRedisStoreOptions({ url: 'redis://127.0.0.1:6379' });
    expect(o).toEqual({ url: 'redis://127.0.0.1:6379', ...REDIS_STORE_DEFAULTS, onStoreStatus: undefined });
    expect(REDIS_STORE_DEFAULTS).toEqual({
      keyPrefix: 'nrs:',
      onStoreError: 'fail-open',
      expectedReplicas: 1,
      storeTimeoutMs: 200,
      breakerSyncMs: 1000,
      probeIntervalMs: 1000,
      logger: console,
    });
    expect(Object.isFrozen(REDIS_STORE_DEFAULTS)).toBe(true);
  });

  it("rejects the module's `type` key: it is not a store option", () => {
    const err = configError(() => normalizeRedisStoreOptions({ type: 'redis', url: 'redis://127.0.0.1:6379' }));
    expect(err.path).toBe('store.type');
    const client = { evalsha: () => undefined };
    expect(() => new RedisStore({ type: 'x', client } as never)).toThrow(ResilienceConfigError);
  });

  it('accepts every store error policy of the SPI, and nothing else (path under the given prefix)', () => {
    for (const onStoreError of STORE_ERROR_POLICIES) {
      expect(normalizeRedisStoreOptions({ url: 'redis://h:1', onStoreError }).onStoreError).toBe(onStoreError);
    }
    const err = configError(() => normalizeRedisStoreOptions({ url: 'redis://h:1', onStoreError: 'fail' }, 'x.store'));
    expect(err.path).toBe('x.store.onStoreError');
    expect(err.message).toContain("'fail-open', 'fail-closed'");
  });

  it.each([
    ['storeTimeoutMs', 0],
    ['breakerSyncMs', -1],
    ['probeIntervalMs', 5],
    ['onStoreStatus', 'yes'],
  ])('rejects %s: %j', (key, value) => {
    expect(configError(() => normalizeRedisStoreOptions({ url: 'redis://h:1', [key]: value })).path).toBe(
      `store.${key}`,
    );
  });
});

describe('RedisStore.create (real Redis)', () => {
  const t = useTestRedis();

  it.each(['url', 'client'] as const)('validates the options once (%s)', async (source) => {
    let reads = 0;
    const keyPrefix = uniquePrefix('once');
    t.prefixes.push(keyPrefix);
    const client = source === 'client' ? new Redis(t.url, { enableOfflineQueue: false }) : undefined;
    try {
      const options = {
        ...(client !== undefined ? { client } : { url: t.url }),
        logger: quiet,
        get keyPrefix() {
          reads++;
          return keyPrefix;
        },
      };
      const store = await RedisStore.create(options);
      t.stores.push(store);
      expect(reads).toBe(1);
      expect(store.options.keyPrefix).toBe(keyPrefix);
      // A direct construction validates what it is given.
      const direct = new RedisStore({ client: store.client, logger: quiet, keyPrefix });
      expect(direct.options).not.toBe(store.options);
      await direct.close();
    } finally {
      client?.disconnect();
    }
  });
});
