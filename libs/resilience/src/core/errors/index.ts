/**
 * The core layer's errors, their `isX()` brand guards, and the one table of network error codes.
 * @module nest-resilience/core
 */
export * from './brand.js';
export * from './resilience.error.js';
export * from './circuit-breaker-open.error.js';
export * from './rate-limiter-rejected.error.js';
export * from './config.error.js';
export * from './store-unavailable.error.js';
export * from './timeout.error.js';
export * from './bulkhead-rejected.error.js';
export * from './retry-after.js';
export * from './network-codes.js';
