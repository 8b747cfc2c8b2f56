/**
 * Redis store: limiter buckets, circuit breakers and counters shared across replicas.
 * Needs the optional peer dependency `ioredis`.
 * @module nest-resilience/redis
 */
export * from './redis-store.js';
export * from './redis-store.options.js';
export * from './store-errors.js';
export * from './bucket/redis-bucket.js';
export * from './sliding-window/redis-sliding-window.js';
export * from './breaker/redis-breaker.js';
export * from './counters/redis-counters.js';
