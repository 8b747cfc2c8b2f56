/**
 * Bounded map of per-key policy state (one breaker or bucket per host, tenant, ...).
 * Least recently used entries are evicted once `max` is exceeded, idle ones first
 * (an idle entry holds no information, so dropping it changes no behaviour).
 * @publicApi
 */
export class PartitionMap<V extends { isIdle(): boolean }> {
  private readonly entries = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly create: (key: string) => V,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Returns the entry for `key`, creating it if needed, and marks it most recently used. */
  get(key: string): V {
    const entries = this.entries;
    let value = entries.get(key);
    if (value !== undefined) {
      entries.delete(key);
      entries.set(key, value);
      return value;
    }
    value = this.create(key);
    entries.set(key, value);
    if (entries.size > this.max) this.evict(key);
    return value;
  }

  /** Returns the entry without creating it or touching its recency. */
  peek(key: string): V | undefined {
    return this.entries.get(key);
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  forEach(fn: (value: V, key: string) => void): void {
    this.entries.forEach(fn);
  }

  /** Drops every idle entry. */
  sweep(): number {
    let n = 0;
    for (const [k, v] of this.entries) {
      if (v.isIdle()) {
        this.entries.delete(k);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Evicts down to `max`, never `keep` (the entry being returned to the caller). */
  private evict(keep: string): void {
    const excess = this.entries.size - this.max;
    let removed = 0;
    // First pass: the oldest idle entries.
    for (const [k, v] of this.entries) {
      if (removed >= excess) return;
      if (k !== keep && v.isIdle()) {
        this.entries.delete(k);
        removed++;
      }
    }
    // Still over: the least recently used entries, busy or not, so memory stays bounded.
    for (const k of this.entries.keys()) {
      if (removed >= excess) return;
      if (k === keep) continue;
      this.entries.delete(k);
      removed++;
    }
  }
}
