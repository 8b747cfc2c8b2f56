import { ResilienceConfigError } from '../errors/index.js';
import { toErrorPredicate, type ErrorFilter } from './types.js';

/**
 * Validates an {@link ErrorFilter} option (an array of classes, a single class, or a predicate)
 * and turns it into a predicate; `undefined` when the option is absent. Throws
 * `ResilienceConfigError` naming `path` (or `path[i]` for a bad array element).
 * @internal
 */
export function checkErrorFilter(path: string, value: unknown): ((error: unknown) => boolean) | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') {
    // A single error class given without an array.
    if (isErrorClass(value) || /^class[\s{]/.test(Function.prototype.toString.call(value)))
      return toErrorPredicate([value as never]);
    return value as (error: unknown) => boolean;
  }
  if (Array.isArray(value)) {
    value.forEach((c, i) => {
      // `instanceof` needs a constructor: an arrow function would throw on every error.
      if (typeof c !== 'function' || typeof c.prototype !== 'object' || c.prototype === null)
        throw new ResilienceConfigError(`${path}[${i}]`, c, 'an error class');
    });
    return toErrorPredicate(value as ErrorFilter);
  }
  throw new ResilienceConfigError(path, value, 'an array of error classes or a predicate');
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function isErrorClass(fn: Function): boolean {
  return fn === Error || (fn.prototype !== undefined && fn.prototype instanceof Error);
}
