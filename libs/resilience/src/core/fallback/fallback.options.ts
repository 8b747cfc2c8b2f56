import type { ErrorFilter } from '../options/types.js';
import { fallsBackByDefault } from './fallback.predicate.js';

/**
 * Fallback options: exactly one of `value`, `fn` or `method` says what a failed call resolves
 * to; `fallbackOn` / `excludeOn` say which failures. Programming errors (`TypeError`,
 * `ReferenceError`, `SyntaxError`, `RangeError`, `EvalError`, `URIError`, `ResilienceConfigError`)
 * are never handled, whatever the filters say.
 * @example
 * ```ts
 * const fallback = FallbackPolicy.create('prices', { fn: (_error, sku: string) => cache.lastPrice(sku) });
 * ```
 * @publicApi
 */
export interface FallbackOptions {
  /** The result of a failed call, returned as is (a function given here is returned, not called: use `fn`). */
  value?: unknown;
  /**
   * Computes the result of a failed call from the error and the call's arguments; `this` is the
   * decorated instance (undefined outside a decorator). May return a promise. What it throws is
   * what the call throws.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn?: (error: unknown, ...args: any[]) => unknown;
  /**
   * Name of a method on the decorated instance, called as `instance[method](error, ...args)`
   * (resilience4j's `fallbackMethod`). Only for decorated methods: a call with no instance, or an
   * instance without that method, throws `ResilienceConfigError` naming `fallbacks.<name>.method`.
   */
  method?: string;
  /**
   * The failures that fall back (error classes or a predicate). Default: errors with
   * `isTransient === true` ({@link fallsBackByDefault}): this library's refusals and timeouts and
   * transient upstream errors. A predicate that throws counts as "no".
   */
  fallbackOn?: ErrorFilter;
  /** Failures that never fall back (error classes or a predicate). Wins over `fallbackOn`. Default: none. */
  excludeOn?: ErrorFilter;
}

/** What a fallback resolves to, after validation. @publicApi */
export type FallbackKind = 'value' | 'fn' | 'method';

/** Options after defaults and validation; produced once per policy. @publicApi */
export interface NormalizedFallbackOptions {
  kind: FallbackKind;
  /** Set when `kind` is `'value'`. */
  value: unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: ((error: unknown, ...args: any[]) => unknown) | undefined;
  method: string | undefined;
  /** Combined filter: never programming errors, then `excludeOn`, then `fallbackOn`. */
  handles: (error: unknown) => boolean;
}

/** The defaults of {@link FallbackOptions}: fall back on transient errors, exclude none. @publicApi */
export const FALLBACK_DEFAULTS = Object.freeze({ fallbackOn: fallsBackByDefault, excludeOn: undefined });
