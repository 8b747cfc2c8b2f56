import { ResilienceConfigError } from '../errors/index.js';
import { checkErrorFilter } from '../options/error-filter.js';
import { checkKnownKeys, optionalFunction } from '../options/validate.js';
import {
  FALLBACK_DEFAULTS,
  type FallbackKind,
  type FallbackOptions,
  type NormalizedFallbackOptions,
} from './fallback.options.js';
import { isProgrammingError } from './fallback.predicate.js';

const KNOWN = { value: true, fn: true, method: true, fallbackOn: true, excludeOn: true } as const satisfies Record<
  keyof FallbackOptions,
  true
>;
const KNOWN_KEYS = Object.keys(KNOWN);
const ONE_OF = 'exactly one of value, fn (error, ...args) or method (a method name on the decorated instance)';

/**
 * Applies defaults and validates fallback options once, at configuration time. Throws
 * {@link ResilienceConfigError} naming `path.option` (e.g. `fallbacks.prices.fn`) and the value.
 * @publicApi
 */
export function normalizeFallbackOptions(options: FallbackOptions, path = 'fallback'): NormalizedFallbackOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError(path, options, `an options object with ${ONE_OF}`);
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: keyof FallbackOptions) => `${path}.${k}`;
  const fn = optionalFunction<NormalizedFallbackOptions['fn']>(p('fn'), options.fn);
  const method = options.method;
  if (method !== undefined && (typeof method !== 'string' || method.length === 0))
    throw new ResilienceConfigError(p('method'), method, 'a non-empty method name');
  // `{ value: undefined }` alone is a fallback to undefined; next to fn or method it means "not set".
  const hasValue = options.value !== undefined || (Object.hasOwn(options, 'value') && !fn && method === undefined);
  const given = (['value', 'fn', 'method'] as const).filter((k) =>
    k === 'value' ? hasValue : k === 'fn' ? fn !== undefined : method !== undefined,
  );
  if (given.length === 0) throw new ResilienceConfigError(path, options, ONE_OF);
  if (given.length > 1)
    throw new ResilienceConfigError(p(given[1]!), options[given[1]!], `absent: ${given[0]} is set, and ${ONE_OF}`);
  return {
    kind: given[0] as FallbackKind,
    value: options.value,
    fn,
    method,
    handles: combine(
      checkErrorFilter(p('fallbackOn'), options.fallbackOn) ?? FALLBACK_DEFAULTS.fallbackOn,
      checkErrorFilter(p('excludeOn'), options.excludeOn),
    ),
  };
}

/** Programming errors never; then `excludeOn` wins; a throwing user predicate counts as "no". */
function combine(
  on: (error: unknown) => boolean,
  exclude: ((error: unknown) => boolean) | undefined,
): (error: unknown) => boolean {
  return (error) => {
    if (isProgrammingError(error)) return false;
    try {
      if (exclude !== undefined && exclude(error)) return false;
      return Boolean(on(error));
    } catch {
      return false;
    }
  };
}
