import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { checkNumber, checkOptionsObject, startNormalize } from '../../core/options/validate.js';
import { NANO_USD_PER_USD } from '../cost/price.types.js';
import { BUDGET_SCOPES, type BudgetOptions, type BudgetScope, type BudgetWindow } from './budget.options.js';
import { zoneFormatter } from './budget-window.js';

/** A budget after defaults and validation. @internal */
export interface NormalizedBudget {
  readonly name: string;
  readonly limitUsd: number;
  /** `round(limitUsd × 1e9)`: the ledger's limit, integer nano-USD. */
  readonly limitNano: number;
  readonly scope: BudgetScope;
  /** Non-global scopes: the values counted (undefined: every value). */
  readonly appliesTo: ReadonlySet<string> | undefined;
  readonly window: BudgetWindow;
  readonly timeZone: string;
  /** Ascending, unique, each in (0, 1]. */
  readonly warnAt: readonly number[];
}

/** Defaults of the optional {@link BudgetOptions}. @publicApi */
export const BUDGET_DEFAULTS = Object.freeze({
  scope: 'global' as BudgetScope,
  window: 'day' as BudgetWindow,
  timeZone: 'UTC',
  warnAt: Object.freeze([0.8]) as readonly number[],
});

/** Largest `limitUsd`: spend stays an exact integer of nano-USD (below 2^53) even far over the limit. */
export const MAX_LIMIT_USD = 1_000_000;
/** Bounds of `window.rollingMs`: a second to a year (slots of at least 17 ms). */
const MIN_ROLLING_MS = 1_000;
const MAX_ROLLING_MS = 366 * 86_400_000;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

const KNOWN = {
  name: true,
  limitUsd: true,
  scope: true,
  appliesTo: true,
  window: true,
  timeZone: true,
  warnAt: true,
} as const satisfies Record<keyof BudgetOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Validates the budgets once (`ResilienceConfigError` naming `<path>[i].<option>` and the value,
 * default path `costs.budgets`) and applies the defaults.
 * @internal
 */
export function normalizeBudgets(budgets: unknown, path = 'costs.budgets'): NormalizedBudget[] {
  if (!Array.isArray(budgets)) throw new ResilienceConfigError(path, budgets, 'an array of budget options');
  const names = new Map<string, number>();
  return budgets.map((b: unknown, i) => {
    const out = normalizeBudget(b, `${path}[${i}]`);
    const first = names.get(out.name);
    if (first !== undefined)
      throw new ResilienceConfigError(`${path}[${i}].name`, out.name, `a name not used by ${path}[${first}]`);
    names.set(out.name, i);
    return out;
  });
}

/** Validates one budget under `path` (`costs.budgets[0]`). @internal */
export function normalizeBudget(input: unknown, path: string): NormalizedBudget {
  checkOptionsObject(path, input, 'a budget { name, limitUsd, scope?, window?, ... }');
  const p = startNormalize<keyof BudgetOptions>(path, input, KNOWN_KEYS);
  const o = input as BudgetOptions;
  if (typeof o.name !== 'string' || !NAME.test(o.name))
    throw new ResilienceConfigError(p('name'), o.name, 'a name of 1 to 100 letters, digits, ".", "_" or "-"');
  const limitUsd = checkNumber(p('limitUsd'), o.limitUsd, { min: 0, minExclusive: true, max: MAX_LIMIT_USD });
  const limitNano = Math.round(limitUsd * NANO_USD_PER_USD);
  if (limitNano < 1) throw new ResilienceConfigError(p('limitUsd'), o.limitUsd, 'a number >= 0.000000001 (1 nano-USD)');
  const scope = o.scope ?? BUDGET_DEFAULTS.scope;
  if (!BUDGET_SCOPES.includes(scope))
    throw new ResilienceConfigError(p('scope'), o.scope, `one of ${BUDGET_SCOPES.map((s) => `'${s}'`).join(', ')}`);
  const appliesTo = appliesToOf(p('appliesTo'), o.appliesTo, scope);
  const window = windowOf(p('window'), o.window);
  const timeZone = o.timeZone ?? BUDGET_DEFAULTS.timeZone;
  checkTimeZone(p('timeZone'), timeZone);
  const warnAt = warnAtOf(p('warnAt'), o.warnAt);
  return Object.freeze({ name: o.name, limitUsd, limitNano, scope, appliesTo, window, timeZone, warnAt });
}

function appliesToOf(path: string, value: unknown, scope: BudgetScope): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (scope === 'global')
    throw new ResilienceConfigError(
      path,
      value,
      "no appliesTo with scope 'global' (use scope 'model', 'provider' or 'key')",
    );
  if (!Array.isArray(value) || value.length === 0)
    throw new ResilienceConfigError(path, value, `a non-empty array of ${scope} values`);
  const seen = new Set<string>();
  value.forEach((v: unknown, i) => {
    if (typeof v !== 'string' || v.length === 0)
      throw new ResilienceConfigError(`${path}[${i}]`, v, `a non-empty string (a ${scope} value)`);
    if (seen.has(v)) throw new ResilienceConfigError(`${path}[${i}]`, v, 'a value not listed twice');
    seen.add(v);
  });
  return seen;
}

function windowOf(path: string, value: unknown): BudgetWindow {
  if (value === undefined) return BUDGET_DEFAULTS.window;
  if (value === 'day' || value === 'month') return value;
  const expected = "'day', 'month' or { rollingMs }";
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, expected);
  startNormalize(path, value, ['rollingMs']);
  const rollingMs = checkNumber(`${path}.rollingMs`, (value as { rollingMs?: unknown }).rollingMs, {
    integer: true,
    min: MIN_ROLLING_MS,
    max: MAX_ROLLING_MS,
  });
  return Object.freeze({ rollingMs });
}

function checkTimeZone(path: string, value: unknown): void {
  const expected = "an IANA time zone known to Intl, e.g. 'UTC' or 'Europe/Berlin'";
  if (typeof value !== 'string' || value.length === 0) throw new ResilienceConfigError(path, value, expected);
  try {
    zoneFormatter(value);
  } catch (error) {
    if (error instanceof RangeError) throw new ResilienceConfigError(path, value, expected);
    throw error;
  }
}

function warnAtOf(path: string, value: unknown): readonly number[] {
  if (value === undefined) return BUDGET_DEFAULTS.warnAt;
  if (!Array.isArray(value)) throw new ResilienceConfigError(path, value, 'an array of fractions in (0, 1]');
  value.forEach((t: unknown, i) => {
    checkNumber(`${path}[${i}]`, t, { min: 0, minExclusive: true, max: 1 });
    if (i > 0 && (t as number) <= (value[i - 1] as number))
      throw new ResilienceConfigError(`${path}[${i}]`, t, `a fraction above ${path}[${i - 1}] (ascending, unique)`);
  });
  return Object.freeze([...(value as number[])]);
}
