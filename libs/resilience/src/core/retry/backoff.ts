import type { RandomSource } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import type { NormalizedRetryOptions } from './retry.options.js';

/**
 * Delay before retry number `retryNo` (1-based):
 * `d = min(maxDelayMs, baseDelayMs × backoffFactor^(retryNo−1))`, then jitter
 * (`none`: d; `full`: U[0, d]; `equal`: U[d/2, d]; `x`: U[d(1−x), d(1+x)]), capped at `maxDelayMs`.
 * @throws ResilienceConfigError (path `random`) when `random()` returns anything but a number in
 * [0, 1) (NaN, 1, −1, …): the source is only drawn from when a jittered retry is due (drawing at
 * bootstrap would shift seeded sequences), so the call being retried fails with it, instead of
 * waiting forever (NaN) or silently not retrying (a negative delay).
 * @publicApi
 */
export function backoffDelay(options: NormalizedRetryOptions, retryNo: number, random: RandomSource): number {
  const d = Math.min(options.maxDelayMs, options.baseDelayMs * Math.pow(options.backoffFactor, retryNo - 1));
  const j = options.jitter;
  let delay: number;
  if (j === 'none') delay = d;
  else if (j === 'full') delay = draw(random) * d;
  else if (j === 'equal') delay = d / 2 + (draw(random) * d) / 2;
  else delay = d * (1 - j + 2 * j * draw(random));
  return Math.min(options.maxDelayMs, delay);
}

/** One value of `random`, checked to be in [0, 1). */
function draw(random: RandomSource): number {
  const r = random();
  if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
    throw new ResilienceConfigError('random', r, 'a number in [0, 1) from the random source, like Math.random()');
  }
  return r;
}
