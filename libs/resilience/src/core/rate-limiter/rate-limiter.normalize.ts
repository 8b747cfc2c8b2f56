import { ResilienceConfigError } from '../errors.js';
import type { PartitionKeyFn } from '../types.js';
import { checkKnownKeys, checkNumber, optionalEnum, optionalFunction, optionalNumber } from '../validate.js';
import type { NormalizedRateLimiterOptions, RateLimiterOptions } from './rate-limiter.options.js';

const KNOWN = ['rate', 'period', 'burst', 'tokens', 'mode', 'maxWaitMs', 'partitionKey', 'maxPartitions'] as const;

/**
 * Applies defaults and validates limiter options once, at configuration time.
 * Throws {@link ResilienceConfigError} naming `path.option` and the bad value.
 */
export function normalizeRateLimiterOptions(options: RateLimiterOptions, path = 'rateLimiter'): NormalizedRateLimiterOptions {
  if (options === null || typeof options !== 'object') throw new ResilienceConfigError(path, options, 'an options object with a rate');
  checkKnownKeys(path, options, KNOWN);
  const p = (k: string) => `${path}.${k}`;
  const rate = checkNumber(p('rate'), options.rate, { min: 0, minExclusive: true });
  const period = optionalNumber(p('period'), options.period, 1000, { min: 0, minExclusive: true });
  const burst = optionalNumber(p('burst'), options.burst, Math.max(1, rate), { min: 0, minExclusive: true });
  let tokens: NormalizedRateLimiterOptions['tokens'] = 1;
  if (typeof options.tokens === 'function') tokens = options.tokens;
  else if (options.tokens !== undefined) tokens = checkNumber(p('tokens'), options.tokens, { min: 0, minExclusive: true });
  if (typeof tokens === 'number' && tokens > burst) {
    throw new ResilienceConfigError(p('burst'), burst, `a number >= tokens per call (${tokens}); a call could never be admitted`);
  }
  const mode = optionalEnum(p('mode'), options.mode, ['wait', 'reject'] as const, 'wait');
  const maxWaitMs = optionalNumber(p('maxWaitMs'), options.maxWaitMs, 30_000, { min: 0, allowInfinity: true });
  return {
    rate,
    period,
    burst,
    tokens,
    mode,
    maxWaitMs: mode === 'reject' ? 0 : maxWaitMs,
    partitionKey: optionalFunction<PartitionKeyFn>(p('partitionKey'), options.partitionKey),
    maxPartitions: optionalNumber(p('maxPartitions'), options.maxPartitions, 10_000, { min: 1, integer: true }),
  };
}
