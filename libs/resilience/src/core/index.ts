/**
 * Framework-free policies: no Nest import anywhere below this folder.
 * @module nest-resilience/core
 */
export * from './clock.js';
export * from './errors/errors.js';
export * from './options/types.js';
export * from './store/store.js';
export * from './store/memory-store.js';
export * from './store/memory-counters.js';
export * from './store/partitions.js';
export * from './pipeline/pipeline.js';
export * from './circuit-breaker/index.js';
export * from './retry/index.js';
export * from './rate-limiter/index.js';
