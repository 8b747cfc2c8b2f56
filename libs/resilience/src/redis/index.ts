/**
 * Redis store: limiter buckets, circuit breakers and counters shared across replicas.
 * Needs the optional peer dependency `ioredis`.
 * @module nest-resilience/redis
 */
export * from './redis-store.js';
export * from './redis-store.options.js';
export * from './store-errors.js';
export * from './redis-bucket.js';
export * from './redis-sliding-window.js';
export * from './redis-breaker.js';
export * from './redis-counters.js';
