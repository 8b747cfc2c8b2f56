import type { Clock } from '../clock.js';
import type { CounterBackend } from './store.js';

/** Most counters kept in memory; expired ones are dropped first, then the oldest. */
const MAX_COUNTERS = 10_000;

/**
 * In-process {@link CounterBackend}: a bounded map of `{ value, expiresAt }`.
 * @publicApi
 */
export class MemoryCounters implements CounterBackend {
  private readonly map = new Map<string, { value: number; expiresAt: number }>();

  constructor(private readonly clock: Clock) {}

  incrBy(key: string, delta: number, windowMs: number): Promise<number> {
    const now = this.clock.now();
    let entry = this.map.get(key);
    if (entry === undefined || entry.expiresAt <= now) {
      if (entry !== undefined) this.map.delete(key);
      else if (this.map.size >= MAX_COUNTERS) this.evict(now);
      entry = { value: 0, expiresAt: now + windowMs };
      this.map.set(key, entry);
    }
    entry.value += delta;
    return Promise.resolve(entry.value);
  }

  get(key: string): Promise<number> {
    const entry = this.map.get(key);
    return Promise.resolve(entry !== undefined && entry.expiresAt > this.clock.now() ? entry.value : 0);
  }

  private evict(now: number): void {
    for (const [k, e] of this.map) if (e.expiresAt <= now) this.map.delete(k);
    if (this.map.size >= MAX_COUNTERS) this.map.delete(this.map.keys().next().value!);
  }
}
