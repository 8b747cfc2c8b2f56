import type { EventEmitter } from '../../core/events/event-emitter.js';
import type { BudgetLedger, LedgerTotals } from '../../core/store/store.js';
import { NANO_USD_PER_USD, type CostLogger } from '../cost/price.types.js';
import { formatUsd } from '../errors/budget-exceeded.error.js';
import type { NormalizedBudget } from './budget.normalize.js';
import type { BudgetWarningEvent } from './budget-guard.types.js';
import type { WindowEntry } from './budget-window.js';

/**
 * After a settlement left `totals` in `entry`'s window: for each `warnAt` threshold the spend reached
 * and this process has not resolved yet in the window, `ledger.markOnce(window, 'warn:<t>')`; the one
 * process that marks it first emits the event and writes one log line. A threshold is asked about once
 * per window per process (a failed mark is asked again at the next settlement).
 * @internal
 */
export async function warnIfCrossed(
  o: NormalizedBudget,
  entry: WindowEntry,
  totals: LedgerTotals,
  ledger: BudgetLedger,
  emitter: EventEmitter<BudgetWarningEvent> | undefined,
  logger: CostLogger | undefined,
): Promise<void> {
  const warnAt = o.warnAt;
  while (entry.warned < warnAt.length && totals.spent >= warnAt[entry.warned]! * o.limitNano) {
    const i = entry.warned++;
    const threshold = warnAt[i]!;
    let first: boolean;
    try {
      first = await ledger.markOnce(entry.window, `warn:${threshold}`);
    } catch (error) {
      entry.warned = Math.min(entry.warned, i);
      throw error;
    }
    if (!first) continue;
    const spentUsd = totals.spent / NANO_USD_PER_USD;
    const reservedUsd = totals.reserved / NANO_USD_PER_USD;
    const period = entry.period;
    if (emitter?.hasListeners)
      emitter.emit({
        budget: o.name,
        scope: o.scope,
        scopeValue: entry.scopeValue,
        threshold,
        limitUsd: o.limitUsd,
        spentUsd,
        reservedUsd,
        windowId: period.id,
        resetsAt: period.resetsAtIso,
      });
    const who = entry.scopeValue === undefined ? o.scope : `${o.scope} '${entry.scopeValue}'`;
    logger?.warn(
      `nest-resilience: budget '${o.name}' (${who}) reached ${Math.round(threshold * 1000) / 10}% in window ${period.id}: ` +
        `${formatUsd(spentUsd)} of ${formatUsd(o.limitUsd)} USD spent, ${formatUsd(reservedUsd)} reserved; resets at ${period.resetsAtIso}`,
    );
  }
}
