export * from './circuit-breaker.health.js';
export * from './bulkhead.health.js';
export * from './executor.health.js';
export * from './resilience-health.module.js';
