export * from './circuit-breaker.health.js';
export * from './resilience-health.module.js';
