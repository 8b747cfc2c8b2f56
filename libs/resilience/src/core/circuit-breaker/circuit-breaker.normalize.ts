import { ResilienceConfigError } from '../errors/index.js';
import type { PartitionKeyFn } from '../options/types.js';
import { checkKnownKeys, checkNumber, optionalFunction, optionalNumber } from '../options/validate.js';
import { checkErrorFilter } from '../options/error-filter.js';
import {
  CIRCUIT_BREAKER_DEFAULTS as D,
  type CircuitBreakerOptions,
  type CircuitStateChange,
  type NormalizedCircuitBreakerOptions,
  type SlidingWindow,
} from './circuit-breaker.options.js';

const KNOWN = {
  failureThreshold: true,
  recoveryTimeMs: true,
  halfOpenMaxCalls: true,
  successThreshold: true,
  failOn: true,
  excludeOn: true,
  failureRateThreshold: true,
  slidingWindow: true,
  minimumCalls: true,
  slowCallDurationMs: true,
  slowCallRateThreshold: true,
  partitionKey: true,
  maxPartitions: true,
  historySize: true,
  onStateChange: true,
} satisfies Record<keyof CircuitBreakerOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

const INT_MIN_1 = { min: 1, integer: true } as const;

/** The filter without `failOn` / `excludeOn`: one shared function (no closure per breaker). */
const COUNT_EVERY_ERROR = (): boolean => true;

/**
 * Applies the defaults ({@link CIRCUIT_BREAKER_DEFAULTS}) and validates circuit breaker options
 * once, at configuration time. Throws {@link ResilienceConfigError} naming `path.option` and the
 * bad value.
 * @publicApi
 */
export function normalizeCircuitBreakerOptions(
  options: CircuitBreakerOptions = {},
  path = 'circuitBreaker',
): NormalizedCircuitBreakerOptions {
  if (options === null || typeof options !== 'object')
    throw new ResilienceConfigError(path, options, 'an options object');
  checkKnownKeys(path, options, KNOWN_KEYS);
  const p = (k: string) => `${path}.${k}`;
  const rateMode = options.failureRateThreshold !== undefined;
  const failureRateThreshold = rateMode
    ? checkNumber(p('failureRateThreshold'), options.failureRateThreshold, { min: 0, minExclusive: true, max: 100 })
    : 100;
  const slidingWindow = normalizeWindow(options.slidingWindow, p('slidingWindow'));
  const windowSize = slidingWindow.type === 'count' ? slidingWindow.size : Infinity;
  const minimumCalls = optionalNumber(p('minimumCalls'), options.minimumCalls, Math.min(D.minimumCalls, windowSize), {
    ...INT_MIN_1,
    ...(windowSize !== Infinity ? { max: windowSize } : {}),
  });
  const failOn = checkErrorFilter(p('failOn'), options.failOn);
  const exclude = checkErrorFilter(p('excludeOn'), options.excludeOn);
  let decide: (error: unknown) => boolean;
  if (exclude && failOn) decide = (e) => !exclude(e) && failOn(e) !== false;
  else if (exclude) decide = (e) => !exclude(e);
  else if (failOn) decide = (e) => failOn(e) !== false;
  else decide = COUNT_EVERY_ERROR;
  // A throwing user predicate counts the error as a failure: the caller still gets its own
  // error and the breaker still hears about the call (a half-open trial slot is never leaked).
  const countsAsFailure =
    exclude || failOn
      ? (e: unknown) => {
          try {
            return decide(e);
          } catch {
            return true;
          }
        }
      : decide;
  const halfOpenMaxCalls = optionalNumber(
    p('halfOpenMaxCalls'),
    options.halfOpenMaxCalls,
    D.halfOpenMaxCalls,
    INT_MIN_1,
  );
  return {
    mode: rateMode ? 'rate' : 'consecutive',
    failureThreshold: optionalNumber(p('failureThreshold'), options.failureThreshold, D.failureThreshold, INT_MIN_1),
    recoveryTimeMs: optionalNumber(p('recoveryTimeMs'), options.recoveryTimeMs, D.recoveryTimeMs, { min: 0 }),
    halfOpenMaxCalls,
    successThreshold: optionalNumber(p('successThreshold'), options.successThreshold, D.successThreshold, INT_MIN_1),
    countsAsFailure,
    failureRateThreshold,
    slidingWindow,
    minimumCalls,
    slowCallDurationMs: optionalNumber(p('slowCallDurationMs'), options.slowCallDurationMs, D.slowCallDurationMs, {
      min: 0,
      minExclusive: true,
      allowInfinity: true,
    }),
    slowCallRateThreshold: optionalNumber(
      p('slowCallRateThreshold'),
      options.slowCallRateThreshold,
      D.slowCallRateThreshold,
      {
        min: 0,
        minExclusive: true,
        max: 100,
      },
    ),
    partitionKey: optionalFunction<PartitionKeyFn>(p('partitionKey'), options.partitionKey),
    maxPartitions: optionalNumber(p('maxPartitions'), options.maxPartitions, D.maxPartitions, INT_MIN_1),
    historySize: optionalNumber(p('historySize'), options.historySize, D.historySize, { min: 0, integer: true }),
    onStateChange: optionalFunction<(event: CircuitStateChange) => void>(p('onStateChange'), options.onStateChange),
  };
}

function normalizeWindow(value: unknown, path: string): SlidingWindow {
  if (value === undefined) return { ...D.slidingWindow };
  if (value === null || typeof value !== 'object')
    throw new ResilienceConfigError(path, value, "{ type: 'count', size } or { type: 'time', durationMs }");
  const w = value as Record<string, unknown>;
  if (w.type === 'count') {
    checkKnownKeys(path, w, ['type', 'size']);
    return { type: 'count', size: checkNumber(`${path}.size`, w.size, { min: 1, max: 1_000_000, integer: true }) };
  }
  if (w.type === 'time') {
    checkKnownKeys(path, w, ['type', 'durationMs']);
    return {
      type: 'time',
      durationMs: checkNumber(`${path}.durationMs`, w.durationMs, { min: 0, minExclusive: true }),
    };
  }
  throw new ResilienceConfigError(`${path}.type`, w.type, "'count' or 'time'");
}
