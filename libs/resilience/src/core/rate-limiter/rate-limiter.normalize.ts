import { ResilienceConfigError } from '../errors/errors.js';
import type { PartitionKeyFn } from '../options/types.js';
import { checkKnownKeys, checkNumber, optionalEnum, optionalFunction, optionalNumber } from '../options/validate.js';
import type { NormalizedRateLimiterOptions, RateLimiterOptions } from './rate-limiter.options.js';

const KNOWN = [
  'rate',
  'periodMs',
  'burst',
  'tokens',
  'mode',
  'maxWaitMs',
  'partitionKey',
  'maxPartitions',
  'algorithm',
  'safetyMarginMs',
] as const;

/**
 * Applies defaults and validates limiter options once, at configuration time.
 * Throws {@link ResilienceConfigError} naming `path.option` and the bad value.
 */
export function normalizeRateLimiterOptions(
  options: RateLimiterOptions,
  path = 'rateLimiter',
): NormalizedRateLimiterOptions {
  if (options === null || typeof options !== 'object')
    throw new ResilienceConfigError(path, options, 'an options object with a rate');
  checkKnownKeys(path, options, KNOWN);
  const p = (k: string) => `${path}.${k}`;
  const rate = checkNumber(p('rate'), options.rate, { min: 0, minExclusive: true });
  const period = optionalNumber(p('periodMs'), options.periodMs, 1000, { min: 0, minExclusive: true });
  const algorithm = optionalEnum(
    p('algorithm'),
    options.algorithm,
    ['token-bucket', 'sliding-window'] as const,
    'token-bucket',
  );
  const window = algorithm === 'sliding-window';
  if (window && options.burst !== undefined && options.burst !== rate) {
    throw new ResilienceConfigError(
      p('burst'),
      options.burst,
      `no burst with algorithm 'sliding-window' (a window admits its rate, ${rate}, at once)`,
    );
  }
  if (!window && options.safetyMarginMs !== undefined) {
    throw new ResilienceConfigError(
      p('safetyMarginMs'),
      options.safetyMarginMs,
      "no safetyMarginMs without algorithm: 'sliding-window'",
    );
  }
  const burst = window
    ? rate
    : optionalNumber(p('burst'), options.burst, Math.max(1, rate), { min: 0, minExclusive: true });
  let tokens: NormalizedRateLimiterOptions['tokens'] = 1;
  if (typeof options.tokens === 'function') tokens = options.tokens;
  else if (options.tokens !== undefined && typeof options.tokens !== 'number') {
    throw new ResilienceConfigError(
      p('tokens'),
      options.tokens,
      'a number > 0 or a function of the call arguments returning one',
    );
  } else if (options.tokens !== undefined)
    tokens = checkNumber(p('tokens'), options.tokens, { min: 0, minExclusive: true });
  if (typeof tokens === 'number' && tokens > burst && window) {
    throw new ResilienceConfigError(p('tokens'), tokens, `a number <= rate (${rate}); a call could never be admitted`);
  }
  if (typeof tokens === 'number' && tokens > burst) {
    throw new ResilienceConfigError(
      p('burst'),
      burst,
      `a number >= tokens per call (${tokens}); a call could never be admitted`,
    );
  }
  const mode = optionalEnum(p('mode'), options.mode, ['wait', 'reject'] as const, 'wait');
  const maxWaitMs = optionalNumber(p('maxWaitMs'), options.maxWaitMs, 30_000, { min: 0, allowInfinity: true });
  const out: NormalizedRateLimiterOptions = {
    rate,
    periodMs: period,
    burst,
    tokens,
    mode,
    maxWaitMs: mode === 'reject' ? 0 : maxWaitMs,
    partitionKey: optionalFunction<PartitionKeyFn>(p('partitionKey'), options.partitionKey),
    maxPartitions: optionalNumber(p('maxPartitions'), options.maxPartitions, 10_000, { min: 1, integer: true }),
  };
  if (window) {
    out.algorithm = algorithm;
    out.safetyMarginMs = optionalNumber(p('safetyMarginMs'), options.safetyMarginMs, Math.min(250, period * 0.03), {
      min: 0,
    });
  }
  return out;
}
