export * from './retry.options.js';
export * from './retry.events.js';
export * from './retry.normalize.js';
export * from './retry.predicate.js';
export * from './backoff.js';
export * from './retry.policy.js';
