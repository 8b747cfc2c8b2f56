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
 * state (no store object: policies keep their state locally). `owned` tells whether the
 * module created the store and must close it.
 */
export async function createStore(config: StoreConfig | undefined): Promise<{ store?: ResilienceStore; owned: boolean }> {
  if (config === undefined) return { owned: false };
  if (isStore(config)) return { store: config, owned: false };
  const type = (config as { type?: unknown } | null)?.type;
  if (type === 'memory') return { owned: false };
  throw new ResilienceConfigError('store.type', type, "'memory', 'redis', or a ResilienceStore instance");
}
