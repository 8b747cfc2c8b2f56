import { ResilienceConfigError } from '../../core/errors/index.js';
import { normalizeAdmission } from '../../core/options/admission.js';
import {
  checkKnownKeys,
  checkName,
  checkNumber,
  checkOptionsObject,
  checkRecord,
  optionalNumber,
  startNormalize,
} from '../../core/options/validate.js';
import {
  ENDPOINT_RATE_LIMITER_DEFAULTS as D,
  type EndpointLimit,
  type EndpointRateLimiterOptions,
  type NormalizedEndpointLimit,
  type NormalizedEndpointRateLimiterOptions,
} from './endpoint-rate-limiter.options.js';

const KNOWN = {
  name: true,
  rate: true,
  periodMs: true,
  burst: true,
  mode: true,
  maxWaitMs: true,
  limits: true,
  maxEndpoints: true,
} as const satisfies Record<keyof EndpointRateLimiterOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);
const LIMIT_KEYS = ['rate', 'periodMs', 'burst'] as const satisfies readonly (keyof EndpointLimit)[];
const POSITIVE = { min: 0, minExclusive: true } as const;

/**
 * Validates {@link EndpointRateLimiterOptions} once and applies the defaults
 * ({@link ENDPOINT_RATE_LIMITER_DEFAULTS}). Errors are `ResilienceConfigError`s under `path`,
 * by default `endpointLimiters.<name>` (e.g. `endpointLimiters.endpoints.limits.chat.rate`).
 * @publicApi
 */
export function normalizeEndpointRateLimiterOptions(
  options: EndpointRateLimiterOptions = {},
  path?: string,
): NormalizedEndpointRateLimiterOptions {
  checkOptionsObject(path ?? 'endpointLimiters', options);
  const name = checkName(`${path ?? 'endpointLimiters'}.name`, options.name ?? D.name);
  const base = path ?? `endpointLimiters.${name}`;
  const p = startNormalize<keyof EndpointRateLimiterOptions>(base, options, KNOWN_KEYS);
  const rate = optionalNumber(p('rate'), options.rate, D.rate, POSITIVE);
  const periodMs = optionalNumber(p('periodMs'), options.periodMs, D.periodMs, POSITIVE);
  const burst = optionalNumber(p('burst'), options.burst, Math.max(1, rate), POSITIVE);
  const defaults = { rate, periodMs, burst };
  const limits = new Map<string, NormalizedEndpointLimit>();
  for (const [key, limit] of Object.entries(checkRecord(p('limits'), options.limits)))
    limits.set(key, normalizeEndpointLimit(`${base}.limits.${key}`, limit, periodMs));
  return {
    name,
    defaults,
    ...normalizeAdmission(base, options.mode, options.maxWaitMs),
    limits,
    maxEndpoints: optionalNumber(p('maxEndpoints'), options.maxEndpoints, D.maxEndpoints, {
      min: 1,
      integer: true,
    }),
  };
}

/**
 * Validates one endpoint's limit: `rate` required, `periodMs` defaults to `periodMs`, `burst`
 * to `max(1, rate)`. Errors name `<path>.<field>`.
 * @internal
 */
export function normalizeEndpointLimit(path: string, limit: unknown, periodMs: number): NormalizedEndpointLimit {
  if (limit === null || typeof limit !== 'object' || Array.isArray(limit))
    throw new ResilienceConfigError(path, limit, 'an object { rate, periodMs?, burst? }');
  checkKnownKeys(path, limit, LIMIT_KEYS);
  const l = limit as Partial<EndpointLimit>;
  const rate = checkNumber(`${path}.rate`, l.rate, POSITIVE);
  return {
    rate,
    periodMs: optionalNumber(`${path}.periodMs`, l.periodMs, periodMs, POSITIVE),
    burst: optionalNumber(`${path}.burst`, l.burst, Math.max(1, rate), POSITIVE),
  };
}
