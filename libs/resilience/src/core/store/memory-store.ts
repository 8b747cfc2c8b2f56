import type { Clock } from '../clock.js';
import type { NormalizedCircuitBreakerOptions } from '../circuit-breaker/circuit-breaker.options.js';
import { MemoryBreaker } from './memory-breaker.js';
import { MemoryBucket } from './memory-bucket.js';
import { MemorySlidingWindow } from './memory-sliding-window.js';
import { MemoryCounters } from './memory-counters.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import type {
  BreakerBackend,
  BucketBackend,
  BucketSpec,
  BudgetLedger,
  CounterBackend,
  ResilienceStore,
  SlidingWindowSpec,
  StateOwner,
} from './store.js';

/**
 * The default store: state lives in this process. Needs no set-up.
 *
 * Each `create*` call returns a new, independent backend: the store keeps no map of them, so
 * two policies created with the same name on a memory store share nothing (two
 * `CircuitBreakerPolicy.create('payments')` are two breakers). State is shared by name only
 * through a shared store (`RedisStore`: same Redis key), or by using one policy instance, which
 * is what a `ResilienceModule` registry does (it creates each configured policy once).
 * @publicApi
 */
export class MemoryStore implements ResilienceStore {
  readonly kind = 'memory';

  createBucket(owner: StateOwner, spec: BucketSpec, clock: Clock): BucketBackend {
    return new MemoryBucket(owner, spec, clock);
  }

  createSlidingWindow(owner: StateOwner, spec: SlidingWindowSpec, clock: Clock): BucketBackend {
    return new MemorySlidingWindow(owner, spec, clock);
  }

  createBreaker(owner: StateOwner, options: NormalizedCircuitBreakerOptions, clock: Clock): BreakerBackend {
    return new MemoryBreaker(owner, options, clock);
  }

  createCounters(clock: Clock): CounterBackend {
    return new MemoryCounters(clock);
  }

  /** A new in-memory {@link MemoryBudgetLedger} on `clock` (no journal file; per process, like every memory backend). */
  createBudgetLedger(clock: Clock): BudgetLedger {
    return MemoryBudgetLedger.create({ clock });
  }
}
