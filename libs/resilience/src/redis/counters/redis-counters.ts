import type { Clock } from '../../core/clock.js';
import { MemoryCounters } from '../../core/store/memory-counters.js';
import type { CounterBackend } from '../../core/store/store.js';
import { COUNTER_SCRIPT } from './counter-script.js';
import type { StoreLink } from '../store-link.js';
import type { StoreErrorPolicy } from '../../core/store/store.js';
import { hashTaggedKey } from '../redis-keys.js';

/**
 * Counters in Redis (`INCRBYFLOAT` + expiry on the first write of a window, atomically).
 * Redis down: `fail-open` counts in a local `MemoryCounters` (per process, lost on recovery);
 * `fail-closed` rejects with `StoreUnavailableError`.
 * @publicApi
 */
export class RedisCounters implements CounterBackend {
  private fallback: MemoryCounters | undefined;

  constructor(
    private readonly link: StoreLink,
    private readonly prefix: string,
    private readonly onStoreError: StoreErrorPolicy,
    private readonly clock: Clock,
  ) {}

  async incrBy(key: string, delta: number, windowMs: number): Promise<number> {
    try {
      return Number(
        await this.link.run(COUNTER_SCRIPT, this.keyOf(key), ['incr', delta, Math.max(1, Math.ceil(windowMs))], key),
      );
    } catch (error) {
      return this.degraded(error).incrBy(key, delta, windowMs);
    }
  }

  async get(key: string): Promise<number> {
    try {
      return Number(await this.link.run(COUNTER_SCRIPT, this.keyOf(key), ['get', 0, 0], key));
    } catch (error) {
      return this.degraded(error).get(key);
    }
  }

  private keyOf(key: string): string {
    return hashTaggedKey(this.prefix, `counter:${key}`);
  }

  private degraded(error: unknown): MemoryCounters {
    if (this.onStoreError === 'fail-closed') throw error;
    return (this.fallback ??= new MemoryCounters(this.clock));
  }
}
