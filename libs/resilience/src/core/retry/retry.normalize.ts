import { checkErrorFilter } from '../options/error-filter.js';
import { ResilienceConfigError } from '../errors/errors.js';
import { checkKnownKeys, checkNumber, optionalFunction, optionalNumber } from '../options/validate.js';
import type { Jitter, NormalizedRetryOptions, RetryEvent, RetryOptions } from './retry.options.js';
import { isRetryableByDefault } from './retry.predicate.js';

const KNOWN = [
  'maxRetries',
  'baseDelayMs',
  'backoffFactor',
  'maxDelayMs',
  'jitter',
  'retryOn',
  'excludeOn',
  'maxElapsedMs',
  'maxRetryAfterMs',
  'onRetry',
] as const;

/**
 * Applies defaults and validates retry options once, at configuration time.
 * Throws {@link ResilienceConfigError} naming `path.option` and the bad value.
 */
export function normalizeRetryOptions(options: RetryOptions = {}, path = 'retry'): NormalizedRetryOptions {
  if (options === null || typeof options !== 'object')
    throw new ResilienceConfigError(path, options, 'an options object');
  checkKnownKeys(path, options, KNOWN);
  const p = (k: string) => `${path}.${k}`;
  const retryOn = checkErrorFilter(p('retryOn'), options.retryOn) ?? isRetryableByDefault;
  const excludeOn = checkErrorFilter(p('excludeOn'), options.excludeOn);
  return {
    maxRetries: optionalNumber(p('maxRetries'), options.maxRetries, 3, { min: 0, integer: true, allowInfinity: true }),
    baseDelayMs: optionalNumber(p('baseDelayMs'), options.baseDelayMs, 1000, { min: 0 }),
    backoffFactor: optionalNumber(p('backoffFactor'), options.backoffFactor, 2, { min: 1 }),
    maxDelayMs: optionalNumber(p('maxDelayMs'), options.maxDelayMs, 60_000, { min: 0 }),
    jitter: normalizeJitter(p('jitter'), options.jitter),
    shouldRetry: excludeOn === undefined ? retryOn : (e) => !excludeOn(e) && retryOn(e),
    maxElapsedMs: optionalNumber(p('maxElapsedMs'), options.maxElapsedMs, Infinity, {
      min: 0,
      minExclusive: true,
      allowInfinity: true,
    }),
    maxRetryAfterMs: optionalNumber(p('maxRetryAfterMs'), options.maxRetryAfterMs, 60_000, {
      min: 0,
      allowInfinity: true,
    }),
    onRetry: optionalFunction<(e: RetryEvent) => void>(p('onRetry'), options.onRetry),
  };
}

function normalizeJitter(path: string, value: unknown): Jitter {
  if (value === undefined) return 0.2;
  if (value === 'none' || value === 'full' || value === 'equal') return value;
  if (typeof value === 'number') {
    if (value === 0) return 'none';
    return checkNumber(path, value, { min: 0, minExclusive: true, max: 1 });
  }
  throw new ResilienceConfigError(path, value, "'none', 'full', 'equal' or a number in (0, 1]");
}
