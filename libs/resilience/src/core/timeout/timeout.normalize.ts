import { ResilienceConfigError } from '../errors/index.js';
import { checkKnownKeys, checkNumber, optionalNumber } from '../options/validate.js';
import {
  MAX_TIMER_MS,
  TIMEOUT_DEFAULTS,
  type NormalizedTimeoutOptions,
  type TimeoutOptions,
} from './timeout.options.js';

const KNOWN = { timeoutMs: true, totalTimeoutMs: true, signalArg: true } as const satisfies Record<
  keyof TimeoutOptions,
  true
>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Checks a deadline option when present: `Infinity` (no bound) or a number of ms in (0, 2^31 - 1].
 * @internal
 */
export function optionalDuration(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity) return value;
  return checkNumber(path, value, { min: 0, minExclusive: true, max: MAX_TIMER_MS });
}

/**
 * Applies defaults and validates timeout options once, at configuration time. Throws
 * {@link ResilienceConfigError} naming `path.option` (e.g. `timeouts.search.timeoutMs`) and the value.
 * @publicApi
 */
export function normalizeTimeoutOptions(options: TimeoutOptions, path = 'timeout'): NormalizedTimeoutOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError(path, options, 'an options object { timeoutMs?, totalTimeoutMs?, signalArg? }');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: keyof TimeoutOptions) => `${path}.${k}`;
  const timeoutMs = optionalDuration(p('timeoutMs'), options.timeoutMs, TIMEOUT_DEFAULTS.timeoutMs);
  const totalTimeoutMs = optionalDuration(p('totalTimeoutMs'), options.totalTimeoutMs, TIMEOUT_DEFAULTS.totalTimeoutMs);
  if (timeoutMs === Infinity && totalTimeoutMs === Infinity)
    throw new ResilienceConfigError(
      p('timeoutMs'),
      options.timeoutMs,
      'a number of ms > 0: a timeout needs timeoutMs (per attempt), totalTimeoutMs (whole call) or both',
    );
  if (timeoutMs !== Infinity && timeoutMs > totalTimeoutMs)
    throw new ResilienceConfigError(
      p('timeoutMs'),
      timeoutMs,
      `a number of ms <= totalTimeoutMs (${totalTimeoutMs}): an attempt cannot outlast the whole call`,
    );
  return {
    timeoutMs,
    totalTimeoutMs,
    signalArg: optionalNumber(p('signalArg'), options.signalArg, TIMEOUT_DEFAULTS.signalArg, {
      min: -1,
      integer: true,
    }),
  };
}
