import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { EventEmitter, type Event } from '../../core/events/event-emitter.js';
import { checkNumber, optionalClock } from '../../core/options/validate.js';
import type { BudgetLedger, LedgerTotals, LedgerWindow } from '../../core/store/store.js';
import type { ProviderName } from '../chat/chat.types.js';
import type { CostLogger } from '../cost/price.types.js';
import type { BudgetOptions } from './budget.options.js';
import { normalizeBudgets, type NormalizedBudget } from './budget.normalize.js';
import type {
  BudgetCall,
  BudgetGuardDeps,
  BudgetHold,
  BudgetSettlementStats,
  BudgetStatus,
  BudgetWarningEvent,
} from './budget-guard.types.js';
import { SettlementQueue } from './budget-settlements.js';
import { BudgetWindows, type WindowEntry } from './budget-window.js';
import { warnIfCrossed } from './budget-warnings.js';
import { remember, SKIP, valueOf, type GuardBudget } from './budget-guard.scope.js';
import { budgetStatus, exceededError, statusTargets } from './budget-guard.report.js';

export type {
  BudgetCall,
  BudgetGuardDeps,
  BudgetHold,
  BudgetSettlementStats,
  BudgetStatus,
  BudgetWarningEvent,
} from './budget-guard.types.js';

/** Default `BudgetGuardDeps.holdMs`. @publicApi */
export const DEFAULT_BUDGET_HOLD_MS = 600_000;
const NONE: Promise<undefined> = Promise.resolve(undefined);
const DONE: Promise<void> = Promise.resolve();

/** What a reservation remembers: the windows (and budgets) it was made in, for its settlement. */
class Hold implements BudgetHold {
  settled = false;
  constructor(
    readonly id: string,
    readonly guard: BudgetGuard,
    readonly budgets: readonly GuardBudget[],
    readonly entries: readonly WindowEntry[],
    readonly windows: readonly LedgerWindow[],
  ) {}
  toJSON(): { id: string } {
    return { id: this.id };
  }
}

interface Settlement {
  hold: Hold;
  actual: number;
}

/**
 * Checks calls against the budgets before dispatch and settles them after (see docs/llm/budgets.md):
 * `reserve` holds a call's worst-case cost in the current window of every budget that applies, in one
 * atomic `ledger.reserve` (all admit, or nothing is reserved and the call is refused with
 * {@link BudgetExceededError}); `settle` replaces the hold by the actual cost in the same windows
 * (a call that began before a window's boundary and ended after counts in the window it was reserved
 * in) and fires the `warnAt` warnings once per window. A hold never settled expires after `holdMs`.
 * @publicApi
 */
export class BudgetGuard {
  readonly #budgets: readonly GuardBudget[];
  readonly #ledger: BudgetLedger;
  readonly #clock: Clock;
  readonly #logger: CostLogger | undefined;
  readonly #holdMs: number;
  readonly #idPrefix = randomUUID();
  #seq = 0;
  #warnings: EventEmitter<BudgetWarningEvent> | undefined = undefined;
  readonly #settlements: SettlementQueue<Settlement>;
  #foreignReported = false;

  private constructor(budgets: readonly NormalizedBudget[], deps: BudgetGuardDeps, holdMs: number, clock: Clock) {
    this.#ledger = deps.ledger;
    this.#clock = clock;
    this.#logger = deps.logger;
    this.#holdMs = holdMs;
    this.#budgets = budgets.map((o) => ({
      o,
      windows: new BudgetWindows(o.name, o.window, o.timeZone, o.limitNano, holdMs),
      seen: new Set<string>(),
    }));
    this.#settlements = new SettlementQueue((s) => this.#apply(s), clock, deps.logger);
  }

  /**
   * Validates the budgets (`ResilienceConfigError` naming `<path>[i].<option>`) and the deps.
   * @publicApi
   */
  static create(budgets: readonly BudgetOptions[], deps: BudgetGuardDeps): BudgetGuard {
    const path = deps?.path ?? 'costs.budgets';
    const normalized = normalizeBudgets(budgets, path);
    const ledger = deps?.ledger as Partial<BudgetLedger> | undefined;
    for (const m of ['reserve', 'settle', 'totals', 'markOnce'] as const)
      if (typeof ledger?.[m] !== 'function')
        throw new ResilienceConfigError('ledger', ledger, `a BudgetLedger (no ${m}() function)`);
    const parent = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : path;
    const holdMs =
      deps.holdMs === undefined
        ? DEFAULT_BUDGET_HOLD_MS
        : checkNumber(`${parent}.holdMs`, deps.holdMs, { integer: true, min: 1_000, max: 7 * 86_400_000 });
    if (deps.logger !== undefined && typeof deps.logger?.warn !== 'function')
      throw new ResilienceConfigError(`${parent}.logger`, deps.logger, 'a logger with a warn(message) method');
    const clock = optionalClock(`${parent}.clock`, deps.clock) ?? systemClock;
    return new BudgetGuard(normalized, deps, holdMs, clock);
  }

  /** Fires when a settlement takes a budget's spend to one of its `warnAt` thresholds (once per window). */
  get onWarning(): Event<BudgetWarningEvent> {
    return (this.#warnings ??= new EventEmitter<BudgetWarningEvent>()).subscribe;
  }

  /** True when at least one budget applies to the call. Allocates nothing. */
  applies(call: BudgetCall): boolean {
    for (const b of this.#budgets) if (valueOf(b.o, call) !== SKIP) return true;
    return false;
  }

  /** True when some budget could apply to calls of this model/provider (any key). */
  mayApply(model: string, provider: ProviderName): boolean {
    for (const { o } of this.#budgets) {
      if (o.scope === 'global' || o.scope === 'key' || o.appliesTo === undefined) return true;
      if (o.appliesTo.has(o.scope === 'model' ? model : provider)) return true;
    }
    return false;
  }

  /**
   * Reserves `amountNano` (a safe integer >= 0) in the current window of every budget that applies,
   * atomically (one `ledger.reserve`), held for `holdMs`. Resolves undefined when none applies (a shared
   * resolved promise: nothing allocated); rejects {@link BudgetExceededError} when one refuses (nothing
   * reserved anywhere), the ledger's error as is (e.g. `StoreUnavailableError`), or `RangeError` for a
   * bad amount.
   */
  reserve(call: BudgetCall, amountNano: number): Promise<BudgetHold | undefined> {
    let budgets: GuardBudget[] | undefined;
    let entries: WindowEntry[] | undefined;
    let now = 0;
    for (const b of this.#budgets) {
      const value = valueOf(b.o, call);
      if (value === SKIP) continue;
      if (budgets === undefined) {
        budgets = [];
        entries = [];
        now = this.#clock.now();
      }
      budgets.push(b);
      entries!.push(b.windows.entry(value, now));
      if (value !== undefined) remember(b.seen, value);
    }
    if (budgets === undefined) return NONE;
    if (!Number.isSafeInteger(amountNano) || amountNano < 0)
      return Promise.reject(
        new RangeError(`BudgetGuard.reserve: amountNano must be a safe integer >= 0, got ${amountNano}`),
      );
    return this.#reserve(budgets, entries!, amountNano, now);
  }

  async #reserve(budgets: GuardBudget[], entries: WindowEntry[], amount: number, now: number): Promise<BudgetHold> {
    const windows = entries.map((e) => e.window);
    const id = `${this.#idPrefix}:${(++this.#seq).toString(36)}`;
    const decision = await this.#ledger.reserve(id, windows, amount, now + this.#holdMs);
    if (decision.ok) return new Hold(id, this, budgets, entries, windows);
    const o = budgets[decision.index]!.o;
    throw exceededError({ o, e: entries[decision.index]! }, decision, amount, this.#clock.now());
  }

  /**
   * Settles `hold` to `actualNano` (integer >= 0; a fraction is rounded up; anything else settles to
   * 0 with a log line) in the windows it was reserved in. Never rejects: a failing ledger keeps the
   * settlement in a bounded retry list (see {@link BudgetGuard.settlementStats}). A hold settles once;
   * a second settle, or a hold of another guard, does nothing.
   */
  settle(hold: BudgetHold, actualNano: number): Promise<void> {
    if (!(hold instanceof Hold) || hold.guard !== this) {
      if (!this.#foreignReported) this.#logger?.warn('nest-resilience: BudgetGuard.settle got a hold it did not make');
      this.#foreignReported = true;
      return DONE;
    }
    if (hold.settled) return DONE;
    hold.settled = true;
    let actual = Math.ceil(actualNano);
    if (!Number.isSafeInteger(actual) || actual < 0) {
      this.#logger?.warn(`nest-resilience: BudgetGuard.settle got a bad amount (${actualNano}); settled to 0`);
      actual = 0;
    }
    return this.#settlements.submit({ hold, actual });
  }

  async #apply(s: Settlement): Promise<void> {
    const totals = await this.#ledger.settle(s.hold.id, s.hold.windows, s.actual);
    await this.#warn(s.hold, totals);
  }

  async #warn(hold: Hold, totals: readonly LedgerTotals[]): Promise<void> {
    for (let i = 0; i < hold.entries.length; i++) {
      const t = totals[i];
      if (t === undefined) continue;
      try {
        await warnIfCrossed(hold.budgets[i]!.o, hold.entries[i]!, t, this.#ledger, this.#warnings, this.#logger);
      } catch (error) {
        this.#logger?.warn(`nest-resilience: budget warning not checked, the ledger failed: ${String(error)}`);
      }
    }
  }

  /**
   * The current window of every budget. A scoped budget lists the value of `call` for its scope when
   * given, else its `appliesTo` values and the values this process has seen (at most 1000). One
   * `ledger.totals`.
   */
  async status(call?: Partial<BudgetCall>): Promise<BudgetStatus[]> {
    const list = statusTargets(this.#budgets, call, this.#clock.now());
    if (list.length === 0) return [];
    const totals = await this.#ledger.totals(list.map((x) => x.e.window));
    return list.map((x, i) => budgetStatus(x, totals[i]));
  }

  /** Settlements in flight, waiting for a retry, and dropped. */
  settlementStats(): BudgetSettlementStats {
    return this.#settlements.stats();
  }

  /** Resolves when every settle started so far has reached the ledger (or been given up); waits for retries while the ledger fails. */
  idle(): Promise<void> {
    return this.#settlements.idle();
  }

  /** Stops the retry timer after one last retry; settlements still queued are dropped (counted, logged). Does not close the ledger. */
  close(): Promise<void> {
    return this.#settlements.close();
  }
}
