export * from './rate-limiter.options.js';
export * from './rate-limiter.normalize.js';
export * from './rate-limiter.policy.js';
export * from './memory-bucket.js';
export * from './sliding-window.js';
