import { IndexedMinHeap, type HeapSlot } from './indexed-heap.js';

/** One reservation in one window. @internal */
export interface LedgerHold extends HeapSlot {
  readonly id: string;
  amount: number;
  /** Clock ms at which the hold ends (expired when `until <= now`). */
  until: number;
}

/**
 * State of one budget window in a {@link MemoryBudgetLedger}: spend (one counter, or per slot for a
 * rolling window), reservations ordered by the end of their hold (so expiry is exact and costs
 * O(log n) per expired hold, whatever order the holds were made in), and markers.
 * @internal
 */
export class BudgetWindowState implements HeapSlot {
  heapIndex = -1;
  /** Fixed window: everything spent; rolling: the sum of {@link slotAmounts}. */
  spent = 0;
  /** Sum of the live holds' amounts. */
  reserved = 0;
  /** Rolling windows: slot length (0: fixed). Last value written. */
  slotMs = 0;
  /** Rolling windows: slots per window. Last value written. */
  slots = 0;
  /** Rolling windows: slot indices (`floor(t / slotMs)`), increasing; at most `slots + 1` live ones. */
  readonly slotIds: number[] = [];
  /** Rolling windows: spend per slot of {@link slotIds}. */
  readonly slotAmounts: number[] = [];
  readonly holds = new Map<string, LedgerHold>();
  private readonly byEnd = new IndexedMinHeap<LedgerHold>((h) => h.until);
  markers: Set<string> | undefined;

  constructor(
    readonly key: string,
    /** Clock ms after which the whole state may be dropped. */
    public expiresAt: number,
  ) {}

  /** Drops the holds whose hold ended (`until <= now`): only those, earliest first. */
  expireHolds(now: number): void {
    for (let h = this.byEnd.peek(); h !== undefined && h.until <= now; h = this.byEnd.peek()) {
      this.byEnd.pop();
      this.holds.delete(h.id);
      this.reserved -= h.amount;
    }
  }

  /** Drops the slots whose spend left the rolling window at `now` (no-op for a fixed window). */
  expireSlots(now: number, slotMs: number, slots: number): void {
    if (slotMs <= 0) return;
    const oldest = Math.floor(now / slotMs) - slots;
    let drop = 0;
    while (drop < this.slotIds.length && this.slotIds[drop]! < oldest) {
      this.spent -= this.slotAmounts[drop]!;
      drop++;
    }
    if (drop > 0) {
      this.slotIds.splice(0, drop);
      this.slotAmounts.splice(0, drop);
    }
  }

  /** Amount held by `id` now (0 when none). */
  heldBy(id: string): number {
    return this.holds.get(id)?.amount ?? 0;
  }

  /** Records (or replaces) hold `id`. */
  hold(id: string, amount: number, until: number): void {
    const h = this.holds.get(id);
    if (h === undefined) {
      const created: LedgerHold = { id, amount, until, heapIndex: -1 };
      this.holds.set(id, created);
      this.byEnd.push(created);
    } else {
      this.reserved -= h.amount;
      h.amount = amount;
      h.until = until;
      this.byEnd.update(h);
    }
    this.reserved += amount;
  }

  /** Removes hold `id` when held. */
  release(id: string): void {
    const h = this.holds.get(id);
    if (h === undefined) return;
    this.holds.delete(id);
    this.byEnd.remove(h);
    this.reserved -= h.amount;
  }

  /**
   * Adds `amount` spent at clock time `at`: to the counter (fixed), or to the slot of `at`
   * (rolling; a time before the newest slot, e.g. a clock that went back, counts in the newest
   * slot: later, never earlier).
   */
  spend(amount: number, at: number, slotMs: number, slots: number): void {
    this.slotMs = slotMs > 0 ? slotMs : 0;
    this.slots = slotMs > 0 ? slots : 0;
    this.spent += amount;
    if (slotMs <= 0 || amount === 0) return;
    const slot = Math.floor(at / slotMs);
    const last = this.slotIds.length - 1;
    if (last >= 0 && this.slotIds[last]! >= slot) this.slotAmounts[last]! += amount;
    else {
      this.slotIds.push(slot);
      this.slotAmounts.push(amount);
    }
    this.expireSlots(at, slotMs, slots);
  }

  /** Marks `marker`; true when it was not marked yet. */
  mark(marker: string): boolean {
    const set = (this.markers ??= new Set());
    if (set.has(marker)) return false;
    set.add(marker);
    return true;
  }

  /** The live holds (for the journal's compaction). */
  liveHolds(): readonly LedgerHold[] {
    return this.byEnd.values();
  }
}
