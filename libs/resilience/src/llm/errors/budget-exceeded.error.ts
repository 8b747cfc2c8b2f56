import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';
import type { BudgetScope } from '../budget/budget.options.js';

/** What a {@link BudgetExceededError} reports about the refusing budget's window. @publicApi */
export interface BudgetExceededDetails {
  budget: string;
  scope: BudgetScope;
  /** The model id, provider or key the refusing counter is for; undefined for a global budget. */
  scopeValue: string | undefined;
  limitUsd: number;
  /** Settled spend in the window before the call, USD. */
  spentUsd: number;
  /** Held by calls still running (or not yet expired) before the call, USD. */
  reservedUsd: number;
  /** The call's worst-case cost, USD. */
  requestedUsd: number;
  /** `YYYY-MM-DD`, `YYYY-MM` or `rolling`. */
  windowId: string;
  /** ISO 8601 with the budget's time-zone offset: the next boundary (rolling: when the oldest counted slot leaves). */
  resetsAt: string;
  /** Ms from the refusal to `resetsAt` (>= 0). */
  retryAfterMs: number;
}

/** USD with enough decimals for small budgets: 2 at least, up to 9, trailing zeros past 2 dropped. @internal */
export function formatUsd(usd: number): string {
  const fixed = usd.toFixed(9).replace(/0+$/, '');
  const [whole, frac = ''] = fixed.split('.');
  return `${whole}.${frac.padEnd(2, '0')}`;
}

/**
 * A call refused before dispatch because its worst-case cost would take a budget over its limit in
 * the current window (spent + reserved + requested > limit). The call never reached the provider and
 * nothing was reserved in any budget. Permanent for this window (`isTransient` false: retrying at once
 * cannot help); `retryAfterMs` says when the window resets. See docs/llm/budgets.md.
 * @publicApi
 */
export class BudgetExceededError extends ResilienceError {
  /** Brand read by {@link isBudgetExceededError}. */
  readonly isBudgetExceededError = true as const;
  readonly budget: string;
  readonly scope: BudgetScope;
  /** The model id, provider or key the refusing counter is for; undefined for a global budget. */
  readonly scopeValue: string | undefined;
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly reservedUsd: number;
  readonly requestedUsd: number;
  readonly windowId: string;
  /** ISO 8601, e.g. `2026-12-03T00:00:00.000+01:00`. */
  readonly resetsAt: string;
  readonly retryAfterMs: number;

  constructor(details: BudgetExceededDetails) {
    const who = details.scopeValue === undefined ? details.scope : `${details.scope} '${details.scopeValue}'`;
    super(
      `Budget '${details.budget}' (${who}) exceeded in window ${details.windowId}: ` +
        `${formatUsd(details.spentUsd)} of ${formatUsd(details.limitUsd)} USD spent, ` +
        `${formatUsd(details.reservedUsd)} reserved, ${formatUsd(details.requestedUsd)} requested; ` +
        `resets at ${details.resetsAt}`,
    );
    this.budget = details.budget;
    this.scope = details.scope;
    this.scopeValue = details.scopeValue;
    this.limitUsd = details.limitUsd;
    this.spentUsd = details.spentUsd;
    this.reservedUsd = details.reservedUsd;
    this.requestedUsd = details.requestedUsd;
    this.windowId = details.windowId;
    this.resetsAt = details.resetsAt;
    this.retryAfterMs = details.retryAfterMs;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      budget: this.budget,
      scope: this.scope,
      scopeValue: this.scopeValue,
      limitUsd: this.limitUsd,
      spentUsd: this.spentUsd,
      reservedUsd: this.reservedUsd,
      requestedUsd: this.requestedUsd,
      windowId: this.windowId,
      resetsAt: this.resetsAt,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/** True for a {@link BudgetExceededError}, also from another copy of the package. @publicApi */
export function isBudgetExceededError(error: unknown): error is BudgetExceededError {
  return hasErrorBrand(error, 'isBudgetExceededError');
}
