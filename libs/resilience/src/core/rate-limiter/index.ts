export * from './rate-limiter.options.js';
export * from './rate-limiter.normalize.js';
export * from './rate-limiter.policy.js';
export * from '../store/memory-bucket.js';
export * from '../store/memory-sliding-window.js';
