import type { Clock } from '../../core/clock.js';
import { MemoryBudgetLedger } from '../../core/store/memory-budget-ledger.js';
import type { LedgerWindow } from '../../core/store/store.js';

/** A settlement decided on the local ledger while Redis was down, written to Redis once it answers. @internal */
export interface LocalSettlement {
  readonly id: string;
  readonly windows: readonly LedgerWindow[];
  readonly actual: number;
  /** Clock time it was settled (a rolling window counts it in that slot). */
  readonly at: number;
}

/** Windows whose last Redis totals are remembered (to seed the local ledger), at most. */
const MAX_KNOWN = 1_000;
/** Local settlements kept for Redis, at most (beyond: counted as lost, logged once per outage). */
const MAX_PENDING = 10_000;
/** Hold id of the seed settlements (it never names a hold). */
const SEED_ID = '\u0000nrs-seed';

/**
 * The fail-open side of a `RedisBudgetLedger`: a per-process {@link MemoryBudgetLedger} used while
 * Redis is down, created on the first local decision.
 *
 * - **Seeded**: the first time a window is used locally, it is charged (as spent) with the
 *   `spent + reserved` Redis last reported for it (a bounded map of the last {@link MAX_KNOWN}
 *   windows), so an outage does not start a window from zero in a process that knew it was nearly
 *   used up. Stricter, never looser: the seed's reservations do not expire locally.
 * - **Replayed**: every settlement decided locally is kept ({@link MAX_PENDING} at most, then
 *   counted as lost) and written to Redis, in order, before the first operation once Redis answers
 *   again (see `RedisBudgetLedger`); then the local ledger is dropped, and the next outage starts
 *   from what Redis says then.
 * @internal
 */
export class LedgerFallback {
  private ledger: MemoryBudgetLedger | undefined;
  private readonly known = new Map<string, number>();
  private readonly seeded = new Set<string>();
  /** Local settlements not yet in Redis, oldest first. */
  pending: LocalSettlement[] = [];
  /** Local settlements given up (the pending list was full) since the last reset. */
  lost = 0;

  constructor(
    private readonly clock: Clock,
    private readonly warn: (message: string) => void,
  ) {}

  /** True while a local ledger exists (decisions were made locally since the last reset). */
  get active(): boolean {
    return this.ledger !== undefined;
  }

  /** Remembers what Redis answered for `windows` (`used[i]`: spent + reserved of window i). */
  learn(windows: readonly LedgerWindow[], used: (i: number) => number): void {
    const known = this.known;
    for (let i = 0; i < windows.length; i++) {
      const key = windows[i]!.key;
      known.delete(key);
      if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
      known.set(key, used(i));
    }
  }

  /** The local ledger, each of `windows` seeded the first time it is used locally. */
  async local(windows: readonly LedgerWindow[]): Promise<MemoryBudgetLedger> {
    const ledger = (this.ledger ??= MemoryBudgetLedger.create({ clock: this.clock }));
    for (const w of windows) {
      const used = this.known.get(w.key);
      if (used === undefined || used <= 0 || this.seeded.has(w.key)) continue;
      this.seeded.add(w.key);
      await ledger.settle(SEED_ID, [w], used);
    }
    return ledger;
  }

  /** Keeps a local settlement for Redis (counted as lost, with one warning, when the list is full). */
  keep(settlement: LocalSettlement): void {
    if (this.pending.length < MAX_PENDING) {
      this.pending.push(settlement);
      return;
    }
    if (this.lost++ === 0)
      this.warn(
        `nest-resilience: budget ledger: more than ${MAX_PENDING} settlements decided while Redis is down; ` +
          'later ones stay local only and will not be written to Redis',
      );
  }

  /** Drops the local ledger (every local settlement reached Redis). */
  async reset(): Promise<void> {
    const ledger = this.ledger;
    this.ledger = undefined;
    this.seeded.clear();
    this.lost = 0;
    await ledger?.close?.();
  }
}
