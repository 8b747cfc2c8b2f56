import type { RandomSource } from '../clock.js';
import type { NormalizedRetryOptions } from './retry.options.js';

/**
 * Delay before retry number `retryNo` (1-based):
 * `d = min(maxDelay, baseDelay × backoffFactor^(retryNo−1))`, then jitter
 * (`none`: d; `full`: U[0, d]; `equal`: U[d/2, d]; `x`: U[d(1−x), d(1+x)]), capped at `maxDelay`.
 * @publicApi
 */
export function backoffDelay(options: NormalizedRetryOptions, retryNo: number, random: RandomSource): number {
  const d = Math.min(options.maxDelay, options.baseDelay * Math.pow(options.backoffFactor, retryNo - 1));
  const j = options.jitter;
  let delay: number;
  if (j === 'none') delay = d;
  else if (j === 'full') delay = random() * d;
  else if (j === 'equal') delay = d / 2 + (random() * d) / 2;
  else delay = d * (1 - j + 2 * j * random());
  return Math.min(options.maxDelay, delay);
}
