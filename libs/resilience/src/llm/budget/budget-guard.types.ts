import type { Clock } from '../../core/clock.js';
import type { BudgetLedger } from '../../core/store/store.js';
import type { ProviderName } from '../chat/chat.types.js';
import type { CostLogger } from '../cost/price.types.js';
import type { BudgetScope } from './budget.options.js';

/**
 * What the budgets need to know of a call: its model id and provider (the `model` / `provider`
 * scopes) and the caller-given key (`ChatRequest.budgetKey`, the `key` scope; a call without one is
 * not counted by `key` budgets).
 * @publicApi
 */
export interface BudgetCall {
  model: string;
  provider: ProviderName;
  key?: string;
}

/** A reservation made by `BudgetGuard.reserve`, to hand back to `settle` once. Opaque. @publicApi */
export interface BudgetHold {
  readonly id: string;
}

/** A budget crossed one of its `warnAt` thresholds (once per window per budget, across processes). @publicApi */
export interface BudgetWarningEvent {
  budget: string;
  scope: BudgetScope;
  /** The model id, provider or key of the counter; undefined for a global budget. */
  scopeValue: string | undefined;
  /** The fraction crossed (`0.8`). */
  threshold: number;
  limitUsd: number;
  /** Settled spend in the window after the call that crossed it, USD. */
  spentUsd: number;
  reservedUsd: number;
  windowId: string;
  /** ISO 8601 with the budget's time-zone offset. */
  resetsAt: string;
}

/** One window of one budget now (`BudgetGuard.status`). @publicApi */
export interface BudgetStatus {
  budget: string;
  scope: BudgetScope;
  scopeValue: string | undefined;
  windowId: string;
  limitUsd: number;
  spentUsd: number;
  reservedUsd: number;
  /** `max(0, limit − spent − reserved)`, USD. */
  remainingUsd: number;
  /** ISO 8601 with the budget's time-zone offset. */
  resetsAt: string;
}

/** What a `BudgetGuard` runs on. @publicApi */
export interface BudgetGuardDeps {
  /** Where spend and reservations live (`MemoryBudgetLedger`, or a store's `createBudgetLedger(clock)`). Not closed by the guard. */
  ledger: BudgetLedger;
  /** Default `systemClock`. Its `setTimeout` runs the settlement retries (unref'd). */
  clock?: Clock;
  /** Warnings' log lines, and store problems (reported once per outage). Absent: events only. */
  logger?: CostLogger;
  /**
   * How long a reservation is held before it expires by itself (a call that never settles: the process
   * died). Keep it above the longest call (timeout × attempts). Default 600_000.
   */
  holdMs?: number;
  /** Option path prefix for errors. Default `costs.budgets` (`holdMs` is named beside it: `costs.holdMs`). */
  path?: string;
}

/** Counters of the settlements that could not reach the ledger at once. @publicApi */
export interface BudgetSettlementStats {
  /** Settlements started and not yet applied by the ledger (in flight or waiting for a retry). */
  pending: number;
  /** Waiting for a retry (the ledger failed). */
  queued: number;
  /** Given up: beyond the retry list's bound, or still queued at `close()`. */
  dropped: number;
}
