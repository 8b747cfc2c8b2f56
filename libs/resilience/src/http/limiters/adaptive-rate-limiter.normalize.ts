import { ResilienceConfigError } from '../../core/errors/index.js';
import { normalizeAdmission } from '../../core/options/admission.js';
import {
  checkName,
  checkNumber,
  checkOptionsObject,
  optionalEnum,
  optionalNumber,
  startNormalize,
} from '../../core/options/validate.js';
import {
  ADAPTIVE_RATE_LIMITER_DEFAULTS as D,
  type AdaptiveRateLimiterOptions,
  type NormalizedAdaptiveRateLimiterOptions,
} from './adaptive-rate-limiter.options.js';

const KNOWN = {
  name: true,
  initialRate: true,
  periodMs: true,
  burst: true,
  minRate: true,
  maxRate: true,
  safetyFactor: true,
  unit: true,
  defaultResetMs: true,
  minResetMs: true,
  defaultPauseMs: true,
  maxPauseMs: true,
  mode: true,
  maxWaitMs: true,
} as const satisfies Record<keyof AdaptiveRateLimiterOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

const POSITIVE = { min: 0, minExclusive: true } as const;

/**
 * Validates {@link AdaptiveRateLimiterOptions} once and applies the defaults
 * ({@link ADAPTIVE_RATE_LIMITER_DEFAULTS}). Errors are `ResilienceConfigError`s under `path`,
 * by default `adaptiveLimiters.<name>` (e.g. `adaptiveLimiters.openai.safetyFactor`).
 * @publicApi
 */
export function normalizeAdaptiveRateLimiterOptions(
  options: AdaptiveRateLimiterOptions,
  path?: string,
): NormalizedAdaptiveRateLimiterOptions {
  checkOptionsObject(path ?? 'adaptiveLimiters', options, 'an options object with an initialRate');
  const name = checkName(`${path ?? 'adaptiveLimiters'}.name`, options.name ?? D.name);
  const base = path ?? `adaptiveLimiters.${name}`;
  const p = startNormalize<keyof AdaptiveRateLimiterOptions>(base, options, KNOWN_KEYS);
  const initialRate = checkNumber(p('initialRate'), options.initialRate, POSITIVE);
  const periodMs = optionalNumber(p('periodMs'), options.periodMs, D.periodMs, POSITIVE);
  const burst = optionalNumber(p('burst'), options.burst, Math.max(1, initialRate), POSITIVE);
  const minRate = optionalNumber(p('minRate'), options.minRate, Math.min(1, initialRate), POSITIVE);
  const maxRate = optionalNumber(p('maxRate'), options.maxRate, D.maxRate, { min: minRate, allowInfinity: true });
  if (initialRate < minRate || initialRate > maxRate) {
    throw new ResilienceConfigError(
      p('initialRate'),
      initialRate,
      `a number within [minRate, maxRate] = [${minRate}, ${maxRate}]`,
    );
  }
  const defaultPauseMs = optionalNumber(p('defaultPauseMs'), options.defaultPauseMs, D.defaultPauseMs, { min: 0 });
  return {
    name,
    initialRate,
    periodMs,
    burst,
    minRate,
    maxRate,
    safetyFactor: optionalNumber(p('safetyFactor'), options.safetyFactor, D.safetyFactor, { ...POSITIVE, max: 1 }),
    unit: optionalEnum(p('unit'), options.unit, ['requests', 'tokens'] as const, D.unit),
    defaultResetMs: optionalNumber(p('defaultResetMs'), options.defaultResetMs, D.defaultResetMs, POSITIVE),
    minResetMs: optionalNumber(p('minResetMs'), options.minResetMs, D.minResetMs, POSITIVE),
    defaultPauseMs,
    maxPauseMs: optionalNumber(p('maxPauseMs'), options.maxPauseMs, Math.max(D.maxPauseMs, defaultPauseMs), {
      min: defaultPauseMs,
    }),
    ...normalizeAdmission(base, options.mode, options.maxWaitMs),
  };
}
