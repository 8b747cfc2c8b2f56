import type { Clock } from '../../core/clock.js';
import type {
  BudgetLedger,
  LedgerDecision,
  LedgerTotals,
  LedgerWindow,
  StoreErrorPolicy,
} from '../../core/store/store.js';
import type { StoreLink } from '../store-link.js';
import {
  LEDGER_MARK_SCRIPT,
  LEDGER_RESERVE_SCRIPT,
  LEDGER_SETTLE_SCRIPT,
  LEDGER_TOTALS_SCRIPT,
} from './budget-scripts.js';
import { checkAmount, checkLimit, checkTime, ledgerKeys, pushSettleArgs, totalsOf, ttlOf } from './ledger-args.js';
import { LedgerFallback, type LocalSettlement } from './ledger-fallback.js';

/** Policy name in the `StoreUnavailableError`s of the ledger. */
const POLICY = 'budget-ledger';

/** Settings of a {@link RedisBudgetLedger}, from its store. @internal */
export interface RedisBudgetLedgerDeps {
  link: StoreLink;
  keyPrefix: string;
  onStoreError: StoreErrorPolicy;
  logger: { warn(message: string): void; log(message: string): void };
}

/**
 * Budget spend and reservations in Redis, shared by every process on the store
 * (`RedisStore.createBudgetLedger`). Each operation is ONE atomic script (EVALSHA) over every
 * window it names, so a reservation is recorded in all of them or in none, and 200 concurrent
 * reservations across replicas never admit more than the limit. Keys (docs/redis.md, "Budget
 * ledger"): `<keyPrefix>{budgets}:<window key>:w` (a hash: totals, holds, slots, markers) and `…:e`
 * (a sorted set of what expires, by clock time); one hash tag for the whole ledger, so a script
 * on several windows runs on a Redis Cluster. Expiry is by the caller's clock (`now` is passed to
 * the scripts: virtual time works); keys get a relative TTL until the window's `expiresAt`.
 *
 * Redis down: `fail-closed` rejects with `StoreUnavailableError`; `fail-open` decides on a
 * per-process `MemoryBudgetLedger` (seeded with what Redis last reported for each window), and the
 * settlements decided there are written to Redis before the first operation once it answers again
 * (see {@link pending}). A settlement whose script was sent but not answered in time is written
 * again: if that Redis ran it later (slow or paused, not restarted), it counts twice (stricter).
 * @publicApi
 */
export class RedisBudgetLedger implements BudgetLedger {
  private readonly fallback: LedgerFallback;
  private replaying: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly deps: RedisBudgetLedgerDeps,
  ) {
    this.fallback = new LedgerFallback(clock, (m) => deps.logger.warn(m));
  }

  /** False while Redis cannot be reached (decisions are then local, or refused under `fail-closed`). */
  get available(): boolean {
    return this.deps.link.up;
  }

  /** Settlements decided locally during an outage and not yet written to Redis. */
  get pending(): number {
    return this.fallback.pending.length;
  }

  /** See {@link BudgetLedger.reserve}: one script; `amount` 0 (or no window) admits without a round trip. Throws `RangeError` for an amount that is not a safe integer >= 0. */
  async reserve(
    id: string,
    windows: readonly LedgerWindow[],
    amount: number,
    holdUntil: number,
  ): Promise<LedgerDecision> {
    checkAmount('reserve', 'amount', amount);
    checkTime('reserve', 'holdUntil', holdUntil);
    if (amount === 0 || windows.length === 0) return { ok: true };
    const now = this.clock.now();
    const args: (string | number)[] = [String(now), `h:${id}`, String(amount), String(holdUntil)];
    for (const w of windows) {
      checkLimit('reserve', w);
      args.push(String(w.limit), ttlOf('reserve', w, now, holdUntil));
    }
    return this.exec(
      async () => {
        const r = (await this.deps.link.runKeys(
          LEDGER_RESERVE_SCRIPT,
          ledgerKeys(this.deps.keyPrefix, windows),
          args,
          POLICY,
        )) as number[];
        if (Number(r[0]) === 1) {
          this.fallback.learn(windows, (i) => Number(r[1 + 2 * i]) + Number(r[2 + 2 * i]));
          return { ok: true };
        }
        const index = Number(r[1]);
        const decision = { ok: false as const, index, spent: Number(r[2]), reserved: Number(r[3]) };
        this.fallback.learn([windows[index]!], () => decision.spent + decision.reserved);
        return decision;
      },
      async () => (await this.fallback.local(windows)).reserve(id, windows, amount, holdUntil),
    );
  }

  /** See {@link BudgetLedger.settle}: one script. Throws `RangeError` for an amount that is not a safe integer >= 0. */
  async settle(id: string, windows: readonly LedgerWindow[], actual: number): Promise<LedgerTotals[]> {
    checkAmount('settle', 'actual', actual);
    if (windows.length === 0) return [];
    const now = this.clock.now();
    return this.exec(
      () => this.settleRemote({ id, windows, actual, at: now }, now),
      async () => {
        const totals = await (await this.fallback.local(windows)).settle(id, windows, actual);
        this.fallback.keep({ id, windows, actual, at: now });
        return totals;
      },
    );
  }

  /** See {@link BudgetLedger.totals}: one script (it also purges what expired). */
  async totals(windows: readonly LedgerWindow[]): Promise<LedgerTotals[]> {
    if (windows.length === 0) return [];
    return this.exec(
      async () => {
        const r = (await this.deps.link.runKeys(
          LEDGER_TOTALS_SCRIPT,
          ledgerKeys(this.deps.keyPrefix, windows),
          [String(this.clock.now())],
          POLICY,
        )) as unknown[];
        const totals = totalsOf(r, windows.length);
        this.fallback.learn(windows, (i) => totals[i]!.spent + totals[i]!.reserved);
        return totals;
      },
      async () => (await this.fallback.local(windows)).totals(windows),
    );
  }

  /** See {@link BudgetLedger.markOnce}: one `HSETNX`. */
  async markOnce(window: LedgerWindow, marker: string): Promise<boolean> {
    const now = this.clock.now();
    const ttl = ttlOf('markOnce', window, now);
    return this.exec(
      async () => {
        const keys = ledgerKeys(this.deps.keyPrefix, [window]);
        const r = await this.deps.link.runKeys(LEDGER_MARK_SCRIPT, keys, [String(now), `m:${marker}`, ttl], POLICY);
        return Number(r) === 1;
      },
      // Marked locally only: after the outage Redis may say "first" again (one more warning, never none).
      async () => (await this.fallback.local([window])).markOnce(window, marker),
    );
  }

  /** Writes the pending local settlements when Redis answers; releases the local ledger. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fallback.pending.length > 0 && this.deps.link.up) await this.replay();
    if (this.fallback.pending.length === 0) await this.fallback.reset();
  }

  /**
   * Runs `remote` on Redis (after writing what was settled locally, when Redis answers again); on a
   * store failure, `fail-closed` rethrows (`StoreUnavailableError`), `fail-open` runs `local`.
   */
  private async exec<T>(remote: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    const fallback = this.fallback;
    if (fallback.active && this.deps.link.up) {
      if (fallback.pending.length > 0) await this.replay();
      if (fallback.pending.length === 0 && this.deps.link.up) await fallback.reset();
    }
    try {
      return await remote();
    } catch (error) {
      if (this.deps.onStoreError === 'fail-closed') throw error;
      return local();
    }
  }

  private async settleRemote(s: LocalSettlement, now: number): Promise<LedgerTotals[]> {
    const args: (string | number)[] = [String(now), `h:${s.id}`, String(s.actual)];
    for (const w of s.windows) pushSettleArgs(args, w, s.at, now);
    const keys = ledgerKeys(this.deps.keyPrefix, s.windows);
    const r = (await this.deps.link.runKeys(LEDGER_SETTLE_SCRIPT, keys, args, POLICY)) as unknown[];
    const totals = totalsOf(r, s.windows.length);
    this.fallback.learn(s.windows, (i) => totals[i]!.spent + totals[i]!.reserved);
    return totals;
  }

  /** Writes the local settlements to Redis (once at a time); those that fail stay pending, in order. */
  private replay(): Promise<void> {
    return (this.replaying ??= this.replayNow().finally(() => (this.replaying = undefined)));
  }

  private async replayNow(): Promise<void> {
    const fallback = this.fallback;
    const batch = fallback.pending;
    fallback.pending = [];
    const now = this.clock.now();
    const results = await Promise.allSettled(batch.map((s) => this.settleRemote(s, now)));
    const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
    // Settled locally while this batch was written: after the failed ones, in order.
    fallback.pending = failed.length === 0 ? fallback.pending : [...failed, ...fallback.pending];
    const written = batch.length - failed.length;
    if (written > 0)
      this.deps.logger.log(
        `nest-resilience: budget ledger: wrote ${written} settlement(s) decided while Redis was down` +
          (failed.length > 0 ? `; ${failed.length} still pending` : ''),
      );
  }
}
