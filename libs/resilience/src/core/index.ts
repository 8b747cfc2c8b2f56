/**
 * Framework-free policies: no Nest import anywhere below this folder.
 * @module nest-resilience/core
 */
export * from './clock.js';
export * from './errors.js';
export * from './types.js';
export * from './store.js';
export * from './memory.store.js';
export * from './memory-counters.js';
export * from './partitions.js';
export * from './pipeline.js';
export * from './circuit-breaker/index.js';
export * from './retry/index.js';
export * from './rate-limiter/index.js';
