export * from './rate-limiter.options.js';
export * from './rate-limiter.events.js';
export * from './rate-limiter.normalize.js';
export * from './rate-limiter.policy.js';
