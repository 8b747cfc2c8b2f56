/**
 * What a budget counts: every call (`global`), or one counter per model id, per provider, or per
 * caller-given key (`ChatRequest.budgetKey`, e.g. a tenant). See docs/llm/budgets.md.
 * @publicApi
 */
export type BudgetScope = 'global' | 'model' | 'provider' | 'key';

/** Every {@link BudgetScope}, for validation. @publicApi */
export const BUDGET_SCOPES: readonly BudgetScope[] = ['global', 'model', 'provider', 'key'];

/**
 * The window a budget's limit holds in: a calendar `day` or `month` in the budget's `timeZone`
 * (reset at local midnight / the 1st), or a rolling duration (`{ rollingMs }`: spend of the last
 * `rollingMs`, counted in 60 slots; an amount leaves the window between `rollingMs` and
 * `rollingMs × 61/60` after it was spent, never early).
 * @publicApi
 */
export type BudgetWindow = 'day' | 'month' | { rollingMs: number };

/**
 * One budget. Several may apply to one call; all must admit it.
 * @example
 * ```ts
 * import type { BudgetOptions } from 'nest-resilience/llm';
 * const budgets: BudgetOptions[] = [
 *   { name: 'daily', limitUsd: 50, window: 'day', timeZone: 'Europe/Berlin' },
 *   { name: 'per-tenant', scope: 'key', limitUsd: 5, window: { rollingMs: 3_600_000 } },
 *   { name: 'gpt-4o', scope: 'model', appliesTo: ['gpt-4o'], limitUsd: 200, window: 'month' },
 * ];
 * ```
 * @publicApi
 */
export interface BudgetOptions {
  /** Unique among the budgets (errors, events, storage keys). Letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Most USD spent + reserved per window and scope value. A finite number > 0. */
  limitUsd: number;
  /** Default `global`. */
  scope?: BudgetScope;
  /**
   * `model` / `provider` / `key` scopes: only these values (model ids, provider names, keys), each
   * with its own counter. Default: every value. Not allowed with `global`.
   */
  appliesTo?: readonly string[];
  /** Default `day`. */
  window?: BudgetWindow;
  /** IANA time zone of calendar windows (`Europe/Berlin`). Default `UTC`. */
  timeZone?: string;
  /** Fractions of the limit whose crossing warns once per window (event + log line). Default `[0.8]`; `[]`: none. */
  warnAt?: readonly number[];
}
