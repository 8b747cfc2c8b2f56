export {
  BULKHEAD_DEFAULT_LANE,
  BULKHEAD_DEFAULTS,
  type BulkheadOptions,
  type BulkheadSnapshot,
  type NormalizedBulkheadOptions,
} from './bulkhead.options.js';
export { normalizeBulkheadOptions } from './bulkhead.normalize.js';
export type { BulkheadQueuedEvent, BulkheadRejectedEvent } from './bulkhead.events.js';
export { BulkheadPolicy } from './bulkhead.policy.js';
export type { BulkheadWaiter } from './bulkhead-queue.js';
