import { ResilienceConfigError } from '../core/errors/index.js';
import type { ResilienceStore } from '../core/store/store.js';
import type { StoreConfig } from './resilience-options.interface.js';

const STORE_SHAPE =
  "a ResilienceStore instance (kind, createBucket(), createBreaker()), { type: 'memory' } or { type: 'redis', ... }";

/**
 * A store instance: an object without `type` is taken as one and checked member by member
 * (`kind`, `createBucket`, `createBreaker`, and the optional methods when present), so a
 * half-implemented store fails here, naming the member, instead of at the first call.
 */
function checkStoreInstance(value: Record<string, unknown>): ResilienceStore {
  for (const m of ['createBucket', 'createBreaker'] as const) {
    if (typeof value[m] !== 'function')
      throw new ResilienceConfigError(`store.${m}`, value[m], `a function (store must be ${STORE_SHAPE})`);
  }
  if (typeof value.kind !== 'string' || value.kind.length === 0)
    throw new ResilienceConfigError(
      'store.kind',
      value.kind,
      'a non-empty string naming the store (shown in health output)',
    );
  for (const m of ['createCounters', 'close', 'withStoreErrorPolicy'] as const) {
    if (value[m] !== undefined && typeof value[m] !== 'function')
      throw new ResilienceConfigError(`store.${m}`, value[m], 'a function or absent');
  }
  return value as unknown as ResilienceStore;
}

/**
 * Turns the `store` option into a store. `undefined` / `{ type: 'memory' }` mean in-memory
 * state (no store object: policies keep their state locally). `{ type: 'redis', url | client |
 * options, keyPrefix, onStoreError, expectedReplicas, storeTimeoutMs }` creates a `RedisStore`
 * (options validated under `store.<option>`). `owned` tells whether the module created the
 * store and must close it (a Redis client passed in is never closed).
 */
export async function createStore(
  config: StoreConfig | undefined,
): Promise<{ store?: ResilienceStore; owned: boolean }> {
  if (config === undefined) return { owned: false };
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new ResilienceConfigError('store', config, STORE_SHAPE);
  const type = (config as { type?: unknown }).type;
  if (type === undefined || typeof (config as { createBucket?: unknown }).createBucket === 'function') {
    return { store: checkStoreInstance(config as unknown as Record<string, unknown>), owned: false };
  }
  if (type === 'memory') return { owned: false };
  if (type === 'redis') {
    // Loaded only when asked for: `ioredis` is an optional peer dependency.
    const { RedisStore } = await import('../redis/index.js');
    const { type: _type, ...options } = config as Record<string, unknown>;
    const store = await RedisStore.create(options);
    // A client passed in stays the caller's; the store closes only one it created.
    return { store, owned: true };
  }
  throw new ResilienceConfigError('store.type', type, "'memory', 'redis', or a ResilienceStore instance");
}
