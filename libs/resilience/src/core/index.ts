/**
 * Framework-free policies: no Nest import anywhere below this folder.
 * @module nest-resilience/core
 */
export * from './clock.js';
export * from './errors/index.js';
export * from './options/types.js';
export { EventEmitter, type Disposable, type Event } from './events/event-emitter.js';
export * from './lanes/index.js';
export * from './store/index.js';
export * from './policy/policy-deps.js';
export * from './policy/execute-options.js';
export * from './pipeline/index.js';
export * from './circuit-breaker/index.js';
export * from './retry/index.js';
export * from './rate-limiter/index.js';
export * from './timeout/index.js';
export * from './bulkhead/index.js';
export * from './fallback/index.js';
export * from './policy/policy-resolver.js';
