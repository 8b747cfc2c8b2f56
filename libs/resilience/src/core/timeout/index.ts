export { TIMEOUT_DEFAULTS, type NormalizedTimeoutOptions, type TimeoutOptions } from './timeout.options.js';
export { normalizeTimeoutOptions } from './timeout.normalize.js';
export type { TimeoutEvent } from './timeout.events.js';
export { TimeoutPolicy } from './timeout.policy.js';
