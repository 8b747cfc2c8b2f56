/**
 * Redis store: limiter buckets, circuit breakers and counters shared across replicas.
 * Needs the optional peer dependency `ioredis`.
 * @module nest-resilience/redis
 */
export * from './redis-store.js';
export * from './redis-store.options.js';
export * from './redis-store.normalize.js';
/** Re-exported from core: the store SPI's failure policy and outage event. */
export type { StoreErrorPolicy } from '../core/store/store.js';
export type { StoreStatusEvent } from '../core/store/store-events.js';
export { isStoreUnavailableError, StoreUnavailableError } from '../core/errors/index.js';
export * from './bucket/redis-bucket.js';
export * from './sliding-window/redis-sliding-window.js';
export * from './breaker/redis-breaker.js';
export * from './counters/redis-counters.js';
export * from './budget/redis-budget-ledger.js';
