/**
 * The store SPI: where policy state lives. A store (`ResilienceStore`) creates one backend per
 * policy (and partition): `BucketBackend` for token buckets and sliding windows, `BreakerBackend`
 * for circuit breakers, `CounterBackend` for counters. Policies talk only to these interfaces.
 *
 * The memory backends below are the default store's; `nest-resilience/redis` mirrors each of them
 * (`RedisBucket` ↔ `MemoryBucket`, `RedisSlidingWindow` ↔ `MemorySlidingWindow`, `RedisBreaker`
 * ↔ `MemoryBreaker`, `RedisCounters` ↔ `MemoryCounters`) and falls back to them while Redis is down.
 * Building blocks shared by both (wait queue, outcome window, state codes, snapshots) are internal
 * and imported by path.
 * @module nest-resilience/core/store
 */

// The SPI.
export {
  ADMIT_LATER,
  PERMIT_NORMAL,
  PERMIT_TRIAL,
  STORE_ERROR_POLICIES,
  type BreakerBackend,
  type BucketBackend,
  type BucketSpec,
  type BudgetLedger,
  type LedgerDecision,
  type LedgerTotals,
  type LedgerWindow,
  type CounterBackend,
  type ResilienceStore,
  type SlidingWindowSpec,
  type StateOwner,
  type StoreErrorPolicy,
} from './store.js';
export type { StoreStatusEvent } from './store-events.js';

// The memory store and its backends.
export { MemoryStore } from './memory-store.js';
export { MemoryBucket } from './memory-bucket.js';
export { MemorySlidingWindow } from './memory-sliding-window.js';
export { MemoryBreaker } from './memory-breaker.js';
export { MemoryCounters } from './memory-counters.js';
// L1: the memory budget ledger.
export { MemoryBudgetLedger, type MemoryBudgetLedgerOptions } from './memory-budget-ledger.js';
export type { LedgerLogger } from './budget-journal.js';

// Bounded per-partition state (used by partitioned policies over any store).
export { PartitionMap } from './partitions.js';
