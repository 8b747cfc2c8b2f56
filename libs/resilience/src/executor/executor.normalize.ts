import { ResilienceConfigError } from '../core/errors/config.error.js';
import { normalizeLanes } from '../core/lanes/lanes.normalize.js';
import {
  checkName,
  checkNumber,
  checkOptionsObject,
  optionalEnum,
  optionalNumber,
  startNormalize,
} from '../core/options/validate.js';
import { AdaptiveRateLimiter } from '../http/limiters/adaptive-rate-limiter.js';
import { EXECUTOR_DEFAULTS, type ExecutorOptions, type NormalizedExecutorOptions } from './executor.options.js';

const KNOWN = {
  concurrencyLimit: true,
  queueCapacity: true,
  whenFull: true,
  requestsRate: true,
  requestsPeriodMs: true,
  requestsBurst: true,
  apiTokensRate: true,
  apiTokensPeriodMs: true,
  apiTokensBurst: true,
  algorithm: true,
  safetyMarginMs: true,
  maxWaitMs: true,
  lanes: true,
  defaultLane: true,
  laneAgingMs: true,
  retry: true,
  circuitBreaker: true,
  adaptive: true,
  tokenCalibration: true,
  logLimit: true,
} as const satisfies Record<keyof ExecutorOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

const POSITIVE = { min: 0, minExclusive: true } as const;

/**
 * Applies defaults and validates executor options once. Throws {@link ResilienceConfigError}
 * naming `executors.<name>.<option>` and the value.
 * @publicApi
 */
export function normalizeExecutorOptions(name: string, options: ExecutorOptions): NormalizedExecutorOptions {
  checkName('executors', name);
  const path = `executors.${name}`;
  checkOptionsObject(path, options, 'an options object { concurrencyLimit, requestsRate, ... }');
  const p = startNormalize<keyof ExecutorOptions>(path, options, KNOWN_KEYS);
  const d = EXECUTOR_DEFAULTS;
  const requestsRate = checkNumber(p('requestsRate'), options.requestsRate, POSITIVE);
  const apiTokensRate =
    options.apiTokensRate === undefined ? undefined : checkNumber(p('apiTokensRate'), options.apiTokensRate, POSITIVE);
  const plan = normalizeLanes(path, options);
  const algorithm = optionalEnum(
    p('algorithm'),
    options.algorithm,
    ['token-bucket', 'sliding-window'] as const,
    d.algorithm,
  );
  const adaptive = options.adaptive;
  if (adaptive !== undefined && !(adaptive instanceof AdaptiveRateLimiter))
    throw new ResilienceConfigError(p('adaptive'), adaptive, 'an AdaptiveRateLimiter');
  const retry = options.retry;
  if (retry !== undefined && typeof retry !== 'string' && (retry === null || typeof retry !== 'object'))
    throw new ResilienceConfigError(p('retry'), retry, 'a retry policy name, options or a RetryPolicy');
  const breaker = options.circuitBreaker;
  if (breaker !== undefined && typeof breaker !== 'string' && (breaker === null || typeof breaker !== 'object'))
    throw new ResilienceConfigError(p('circuitBreaker'), breaker, 'a breaker name, options or a CircuitBreakerPolicy');
  const requestsBurst = optionalNumber(p('requestsBurst'), options.requestsBurst, requestsRate, POSITIVE);
  const apiTokensBurst =
    apiTokensRate === undefined
      ? Infinity
      : optionalNumber(p('apiTokensBurst'), options.apiTokensBurst, apiTokensRate, POSITIVE);
  return {
    concurrencyLimit: checkNumber(p('concurrencyLimit'), options.concurrencyLimit, { min: 1, integer: true }),
    queueCapacity: optionalNumber(p('queueCapacity'), options.queueCapacity, d.queueCapacity, {
      min: 0,
      integer: true,
      allowInfinity: true,
    }),
    whenFull: optionalEnum(p('whenFull'), options.whenFull, ['reject', 'wait'] as const, d.whenFull),
    requestsRate,
    requestsPeriodMs: optionalNumber(p('requestsPeriodMs'), options.requestsPeriodMs, d.requestsPeriodMs, POSITIVE),
    requestsBurst,
    apiTokensRate,
    apiTokensPeriodMs: optionalNumber(p('apiTokensPeriodMs'), options.apiTokensPeriodMs, d.apiTokensPeriodMs, POSITIVE),
    apiTokensBurst,
    algorithm,
    safetyMarginMs:
      options.safetyMarginMs === undefined
        ? undefined
        : checkNumber(p('safetyMarginMs'), options.safetyMarginMs, { min: 0 }),
    maxWaitMs: optionalNumber(p('maxWaitMs'), options.maxWaitMs, d.maxWaitMs, { min: 0, allowInfinity: true }),
    lanes: options.lanes,
    defaultLane: options.defaultLane,
    laneAgingMs: plan?.agingMs ?? Infinity,
    laneNames: plan === undefined ? ['default'] : plan.lanes.map((l) => l.name),
    plan,
    retry,
    circuitBreaker: breaker,
    adaptive,
    tokenCalibration: optionalEnum(
      p('tokenCalibration'),
      options.tokenCalibration,
      ['learn', 'off'] as const,
      d.tokenCalibration,
    ),
    logLimit: optionalNumber(p('logLimit'), options.logLimit, d.logLimit, { min: 0, integer: true }),
  };
}

/** The index of lane `name` of executor `executor`; an unknown lane → `ResilienceConfigError` naming `executors.<name>.lane`. @internal */
export function laneIndexOf(executor: string, laneNames: readonly string[], name: string): number {
  const i = laneNames.indexOf(name);
  if (i < 0)
    throw new ResilienceConfigError(
      `executors.${executor}.lane`,
      name,
      `one of the lanes of executors.${executor}: ${laneNames.join(', ')}`,
    );
  return i;
}
