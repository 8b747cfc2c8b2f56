import type { LedgerDecision, LedgerTotals } from '../../core/store/store.js';
import { NANO_USD_PER_USD } from '../cost/price.types.js';
import { BudgetExceededError } from '../errors/budget-exceeded.error.js';
import type { BudgetCall, BudgetStatus } from './budget-guard.types.js';
import type { GuardBudget } from './budget-guard.scope.js';
import type { NormalizedBudget } from './budget.normalize.js';
import type { WindowEntry } from './budget-window.js';

// What a `BudgetGuard` reports in USD: the windows of `status()`, and refusals.

/** A budget and its window entry (of a call, or listed by `status()`). @internal */
export interface BudgetEntry {
  o: NormalizedBudget;
  e: WindowEntry;
}

/**
 * The current window of every budget at `now`: a scoped budget lists the value of `call` for its
 * scope when given, else its `appliesTo` values and the values seen so far. @internal
 */
export function statusTargets(
  budgets: readonly GuardBudget[],
  call: Partial<BudgetCall> | undefined,
  now: number,
): BudgetEntry[] {
  const list: BudgetEntry[] = [];
  for (const b of budgets) {
    const { o } = b;
    if (o.scope === 'global') {
      list.push({ o, e: b.windows.entry(undefined, now) });
      continue;
    }
    const given = o.scope === 'model' ? call?.model : o.scope === 'provider' ? call?.provider : call?.key;
    const values = given !== undefined ? [given] : new Set<string>([...(o.appliesTo ?? []), ...b.seen]);
    for (const v of values)
      if (o.appliesTo === undefined || o.appliesTo.has(v)) list.push({ o, e: b.windows.entry(v, now) });
  }
  return list;
}

/** The status of one window from its ledger totals (none: nothing spent or reserved). @internal */
export function budgetStatus({ o, e }: BudgetEntry, totals: LedgerTotals | undefined): BudgetStatus {
  const t = totals ?? { spent: 0, reserved: 0 };
  return {
    budget: o.name,
    scope: o.scope,
    scopeValue: e.scopeValue,
    windowId: e.period.id,
    limitUsd: o.limitUsd,
    spentUsd: t.spent / NANO_USD_PER_USD,
    reservedUsd: t.reserved / NANO_USD_PER_USD,
    remainingUsd: Math.max(0, o.limitNano - t.spent - t.reserved) / NANO_USD_PER_USD,
    resetsAt: e.period.resetsAtIso,
  };
}

/** The refusal of `amount` by window `e` of budget `o` (`decision`: the ledger's answer), at `now`. @internal */
export function exceededError(
  { o, e }: BudgetEntry,
  decision: Extract<LedgerDecision, { ok: false }>,
  amount: number,
  now: number,
): BudgetExceededError {
  return new BudgetExceededError({
    budget: o.name,
    scope: o.scope,
    scopeValue: e.scopeValue,
    limitUsd: o.limitUsd,
    spentUsd: decision.spent / NANO_USD_PER_USD,
    reservedUsd: decision.reserved / NANO_USD_PER_USD,
    requestedUsd: amount / NANO_USD_PER_USD,
    windowId: e.period.id,
    resetsAt: e.period.resetsAtIso,
    retryAfterMs: Math.max(0, e.period.resetsAt - now),
  });
}
