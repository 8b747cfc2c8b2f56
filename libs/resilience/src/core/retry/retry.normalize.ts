import { checkErrorFilter } from '../options/error-filter.js';
import { ResilienceConfigError } from '../errors/index.js';
import { checkKnownKeys, checkNumber, optionalFunction, optionalNumber } from '../options/validate.js';
import type { RetryScheduledEvent } from './retry.events.js';
import { RETRY_DEFAULTS as D, type Jitter, type NormalizedRetryOptions, type RetryOptions } from './retry.options.js';
import { isRetryableByDefault } from './retry.predicate.js';

const KNOWN = {
  maxRetries: true,
  baseDelayMs: true,
  backoffFactor: true,
  maxDelayMs: true,
  jitter: true,
  retryOn: true,
  excludeOn: true,
  maxElapsedMs: true,
  maxRetryAfterMs: true,
  onRetry: true,
} satisfies Record<keyof RetryOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Applies the defaults ({@link RETRY_DEFAULTS}) and validates retry options once, at
 * configuration time. Throws {@link ResilienceConfigError} naming `path.option` and the bad value.
 * @publicApi
 */
export function normalizeRetryOptions(options: RetryOptions = {}, path = 'retry'): NormalizedRetryOptions {
  if (options === null || typeof options !== 'object')
    throw new ResilienceConfigError(path, options, 'an options object');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: string) => `${path}.${k}`;
  const retryOn = checkErrorFilter(p('retryOn'), options.retryOn) ?? isRetryableByDefault;
  const excludeOn = checkErrorFilter(p('excludeOn'), options.excludeOn);
  return {
    maxRetries: optionalNumber(p('maxRetries'), options.maxRetries, D.maxRetries, {
      min: 0,
      integer: true,
      allowInfinity: true,
    }),
    baseDelayMs: optionalNumber(p('baseDelayMs'), options.baseDelayMs, D.baseDelayMs, { min: 0 }),
    backoffFactor: optionalNumber(p('backoffFactor'), options.backoffFactor, D.backoffFactor, { min: 1 }),
    maxDelayMs: optionalNumber(p('maxDelayMs'), options.maxDelayMs, D.maxDelayMs, { min: 0 }),
    jitter: normalizeJitter(p('jitter'), options.jitter),
    shouldRetry: excludeOn === undefined ? retryOn : (e) => !excludeOn(e) && retryOn(e),
    maxElapsedMs: optionalNumber(p('maxElapsedMs'), options.maxElapsedMs, D.maxElapsedMs, {
      min: 0,
      minExclusive: true,
      allowInfinity: true,
    }),
    maxRetryAfterMs: optionalNumber(p('maxRetryAfterMs'), options.maxRetryAfterMs, D.maxRetryAfterMs, {
      min: 0,
      allowInfinity: true,
    }),
    onRetry: optionalFunction<(e: RetryScheduledEvent) => void>(p('onRetry'), options.onRetry),
  };
}

function normalizeJitter(path: string, value: unknown): Jitter {
  if (value === undefined) return D.jitter;
  if (value === 'none' || value === 'full' || value === 'equal') return value;
  if (typeof value === 'number') {
    if (value === 0) return 'none';
    return checkNumber(path, value, { min: 0, minExclusive: true, max: 1 });
  }
  throw new ResilienceConfigError(path, value, "'none', 'full', 'equal' or a number in (0, 1]");
}
