import { setBackgroundTimeout, type Clock } from '../../core/clock.js';
import type { CostLogger } from '../cost/price.types.js';
import type { BudgetSettlementStats } from './budget-guard.types.js';

/** Most settlements kept for a retry while the ledger fails; beyond it they are dropped and counted. */
export const MAX_QUEUED_SETTLEMENTS = 10_000;
/** First retry delay after a failure, ms (doubled per failed retry up to {@link RETRY_MAX_MS}). */
export const RETRY_FIRST_MS = 1_000;
export const RETRY_MAX_MS = 30_000;

const DONE: Promise<void> = Promise.resolve();

/**
 * The settlements of a guard on their way to the ledger: each is tried at once; one the ledger
 * fails is kept in a bounded FIFO list and retried on an unref'd timer of the guard's clock (backoff
 * 1 s doubling to 30 s) until the ledger answers. An outage is logged once when it starts and once
 * when it ends (with how many were applied late or dropped). `idle()` waits for all of them.
 * @internal
 */
export class SettlementQueue<T> {
  #queue: T[] = [];
  #head = 0;
  #pending = 0;
  #dropped = 0;
  #outage: { applied: number; dropped: number } | undefined = undefined;
  #timer: unknown = undefined;
  #delay = RETRY_FIRST_MS;
  #flushing: Promise<void> | undefined = undefined;
  #closed = false;
  #waiters: Array<() => void> = [];

  constructor(
    /** Applies one settlement (rejects when the ledger fails). */
    private readonly apply: (item: T) => Promise<void>,
    private readonly clock: Clock,
    private readonly logger: CostLogger | undefined,
    private readonly max = MAX_QUEUED_SETTLEMENTS,
  ) {}

  /** Tries `item` now; never rejects. Resolves once it was applied or queued for a retry. */
  async submit(item: T): Promise<void> {
    this.#pending++;
    try {
      await this.apply(item);
    } catch (error) {
      this.#failed(item, error);
      return;
    }
    this.#done();
    if (this.#outage !== undefined && this.#queued() > 0 && this.#flushing === undefined) this.#retryNow();
  }

  stats(): BudgetSettlementStats {
    return { pending: this.#pending, queued: this.#queued(), dropped: this.#dropped };
  }

  /** Resolves when nothing is pending (every settlement applied or dropped). */
  idle(): Promise<void> {
    if (this.#pending === 0) return DONE;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops the retry timer after one last pass over the list; what is still queued then is dropped (counted, logged). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#flush();
    const left = this.#queued();
    if (left === 0) return;
    this.#queue = [];
    this.#head = 0;
    this.#dropped += left;
    for (let i = 0; i < left; i++) this.#done();
    this.logger?.warn(
      `nest-resilience: budget guard closed with ${left} settlement(s) the ledger never took; they are dropped ` +
        '(their reservations expire by themselves after holdMs)',
    );
  }

  #queued(): number {
    return this.#queue.length - this.#head;
  }

  #failed(item: T, error: unknown): void {
    const first = this.#outage === undefined;
    if (first) this.#outage = { applied: 0, dropped: 0 };
    if (this.#closed || this.#queued() >= this.max) {
      this.#dropped++;
      this.#outage!.dropped++;
      this.#done();
    } else this.#queue.push(item);
    if (first) {
      const e = error as { name?: unknown; message?: unknown } | null;
      this.logger?.warn(
        `nest-resilience: the budget ledger failed to settle a call (${String(e?.name ?? 'Error')}: ${String(e?.message ?? error)}); ` +
          `settlements are kept (at most ${this.max}, beyond that dropped and counted) and retried until it answers`,
      );
    }
    if (!this.#closed && this.#timer === undefined && this.#flushing === undefined) this.#schedule();
  }

  #schedule(): void {
    this.#timer = setBackgroundTimeout(
      this.clock,
      () => {
        this.#timer = undefined;
        void this.#flush();
      },
      this.#delay,
    );
    this.#delay = Math.min(this.#delay * 2, RETRY_MAX_MS);
  }

  #retryNow(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#flush();
  }

  /** Applies the queued settlements in order, stopping (and rescheduling) at the first failure; one pass at a time. */
  #flush(): Promise<void> {
    return (this.#flushing ??= this.#pass().finally(() => (this.#flushing = undefined)));
  }

  async #pass(): Promise<void> {
    while (this.#queued() > 0) {
      const item = this.#queue[this.#head]!;
      try {
        await this.apply(item);
      } catch {
        if (!this.#closed) this.#schedule();
        return;
      }
      this.#queue[this.#head++] = undefined as T;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (this.#outage !== undefined) this.#outage.applied++;
      this.#done();
    }
    const o = this.#outage;
    if (o === undefined) return;
    this.#outage = undefined;
    this.#delay = RETRY_FIRST_MS;
    this.logger?.warn(
      `nest-resilience: the budget ledger answers again; ${o.applied} queued settlement(s) applied, ${o.dropped} dropped`,
    );
  }

  #done(): void {
    if (--this.#pending > 0) return;
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
