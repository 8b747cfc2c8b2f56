import { ResilienceConfigError } from '../errors/index.js';
import { checkKnownKeys, checkNumber, optionalNumber } from '../options/validate.js';
import { optionalDuration } from '../timeout/timeout.normalize.js';
import { BULKHEAD_DEFAULTS, type BulkheadOptions, type NormalizedBulkheadOptions } from './bulkhead.options.js';

const KNOWN = { maxConcurrent: true, maxQueued: true, maxWaitMs: true } as const satisfies Record<
  keyof BulkheadOptions,
  true
>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Applies defaults and validates bulkhead options once, at configuration time. Throws
 * {@link ResilienceConfigError} naming `path.option` (e.g. `bulkheads.db.maxConcurrent`) and the value.
 * @publicApi
 */
export function normalizeBulkheadOptions(options: BulkheadOptions, path = 'bulkhead'): NormalizedBulkheadOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError(path, options, 'an options object { maxConcurrent, maxQueued?, maxWaitMs? }');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: keyof BulkheadOptions) => `${path}.${k}`;
  return {
    maxConcurrent: checkNumber(p('maxConcurrent'), options.maxConcurrent, { min: 1, integer: true }),
    maxQueued: optionalNumber(p('maxQueued'), options.maxQueued, BULKHEAD_DEFAULTS.maxQueued, {
      min: 0,
      integer: true,
      allowInfinity: true,
    }),
    maxWaitMs: optionalDuration(p('maxWaitMs'), options.maxWaitMs, BULKHEAD_DEFAULTS.maxWaitMs),
  };
}
