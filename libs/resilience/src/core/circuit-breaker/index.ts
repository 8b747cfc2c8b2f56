export * from './circuit-breaker.options.js';
export * from './circuit-breaker.events.js';
export * from './circuit-breaker.normalize.js';
export * from './circuit-breaker.policy.js';
