import type { FallbackOptions } from '../../core/fallback/fallback.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Gives the method a result when it fails with a handled error (outermost: after every retry,
 * timeout and refusal): exactly one of
 *
 * - `value`: returned as is;
 * - `fn`: `fn(error, ...args)`, `this` being the instance;
 * - `method`: `this[method](error, ...args)`, a method of the same class (checked at bootstrap:
 *   `app.init()` fails naming the class, the method and the option when the class has none).
 *
 * Handled errors: those with `isTransient === true` by default (refusals, timeouts, transient
 * upstream errors), or `fallbackOn` / `excludeOn`; never programming errors (`TypeError`,
 * `ReferenceError`, `SyntaxError`, `RangeError`, `ResilienceConfigError`...), whatever the filter.
 *
 * `@Fallback('emptyList')` uses the configured `fallbacks.emptyList`; inline options merge over
 * `fallbacks.default`. The method becomes async.
 * @example
 * ```ts
 * @Fallback({ method: 'cachedQuote' })
 * @Timeout({ timeoutMs: 500 })
 * async quote(symbol: string) { ... }
 *
 * cachedQuote(error: unknown, symbol: string) { return this.cache.get(symbol); }
 * ```
 * @publicApi
 */
export function Fallback(nameOrOptions?: PolicyRef<FallbackOptions>): MethodDecorator {
  return addPolicy('fallback', nameOrOptions);
}
