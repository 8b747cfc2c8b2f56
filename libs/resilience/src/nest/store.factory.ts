import { ResilienceConfigError } from '../core/errors.js';
import type { ResilienceStore } from '../core/store.js';
import type { StoreConfig } from './resilience-options.interface.js';

function isStore(value: unknown): value is ResilienceStore {
  return (
    typeof value === 'object' && value !== null &&
    typeof (value as ResilienceStore).createBucket === 'function' &&
    typeof (value as ResilienceStore).createBreaker === 'function'
  );
}

/**
 * Turns the `store` option into a store. `undefined` / `{ type: 'memory' }` mean in-memory
 * state (no store object: policies keep their state locally). `{ type: 'redis', url | client |
 * options, keyPrefix, onStoreError, expectedReplicas, storeTimeoutMs }` creates a `RedisStore`
 * (options validated under `store.<option>`). `owned` tells whether the module created the
 * store and must close it (a Redis client passed in is never closed).
 */
export async function createStore(config: StoreConfig | undefined): Promise<{ store?: ResilienceStore; owned: boolean }> {
  if (config === undefined) return { owned: false };
  if (isStore(config)) return { store: config, owned: false };
  const type = (config as { type?: unknown } | null)?.type;
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
