import type { BudgetCall } from './budget-guard.types.js';
import type { NormalizedBudget } from './budget.normalize.js';
import type { BudgetWindows } from './budget-window.js';

// Which budgets of a `BudgetGuard` apply to a call, and with which scope value.

/** Scope values per budget remembered for `status()` without a call (the oldest is forgotten beyond it). */
const MAX_SEEN_VALUES = 1_000;
/** {@link valueOf}'s answer when a budget does not apply to the call. @internal */
export const SKIP = Symbol('skip');

/** One budget with its windows. @internal */
export interface GuardBudget {
  readonly o: NormalizedBudget;
  readonly windows: BudgetWindows;
  readonly seen: Set<string>;
}

/** The scope value of `call` for budget `o` (undefined: global), or SKIP when `o` does not apply. No allocation. @internal */
export function valueOf(o: NormalizedBudget, call: BudgetCall): string | undefined | typeof SKIP {
  let v: string | undefined;
  switch (o.scope) {
    case 'global':
      return undefined;
    case 'model':
      v = call.model;
      break;
    case 'provider':
      v = call.provider;
      break;
    default:
      v = call.key;
  }
  if (v === undefined || (o.appliesTo !== undefined && !o.appliesTo.has(v))) return SKIP;
  return v;
}

/** Adds `v` to a bounded insertion-ordered set (the oldest value is dropped beyond the bound). @internal */
export function remember(seen: Set<string>, v: string): void {
  if (seen.has(v)) return;
  if (seen.size >= MAX_SEEN_VALUES) seen.delete(seen.values().next().value!);
  seen.add(v);
}
