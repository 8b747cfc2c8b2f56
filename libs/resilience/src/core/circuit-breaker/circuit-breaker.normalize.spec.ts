import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { CIRCUIT_BREAKER_DEFAULTS, type CircuitBreakerOptions } from './circuit-breaker.options.js';
import { normalizeCircuitBreakerOptions } from './circuit-breaker.normalize.js';
import { CircuitBreakerPolicy } from './circuit-breaker.policy.js';

class NotFoundError extends Error {}
class UpstreamConflictError extends Error {}

/** Runs `fn` and returns the ResilienceConfigError it throws (fails the test otherwise). */
function configError(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError, nothing was thrown');
}

function bad(options: unknown, path: string, shownValue: string, value: unknown = undefined): void {
  const err = configError(() => normalizeCircuitBreakerOptions(options as CircuitBreakerOptions, 'breakers.x'));
  expect(err.path).toBe(path);
  if (value !== undefined) expect(err.value).toBe(value);
  expect(err.message).toContain(path);
  expect(err.message).toContain(shownValue);
  expect(err.message).toBe(`Invalid resilience option ${path}: ${shownValue} (expected ${err.expected})`);
}

describe('normalizeCircuitBreakerOptions', () => {
  it('applies the documented defaults (consecutive mode)', () => {
    const o = normalizeCircuitBreakerOptions({});
    expect(o.mode).toBe('consecutive');
    expect(o.failureThreshold).toBe(5);
    expect(o.recoveryTimeMs).toBe(30_000);
    expect(o.halfOpenMaxCalls).toBe(1);
    expect(o.successThreshold).toBe(1);
    expect(o.slidingWindow).toEqual({ type: 'count', size: 100 });
    expect(o.minimumCalls).toBe(10);
    expect(o.slowCallDurationMs).toBe(Infinity);
    expect(o.slowCallRateThreshold).toBe(100);
    expect(o.maxPartitions).toBe(10_000);
    expect(o.historySize).toBe(10);
    expect(o.partitionKey).toBeUndefined();
    expect(o.onStateChange).toBeUndefined();
    expect(o.countsAsFailure(new Error('x'))).toBe(true);
    expect(normalizeCircuitBreakerOptions(undefined).failureThreshold).toBe(5);
  });

  it('the defaults are CIRCUIT_BREAKER_DEFAULTS (frozen; the window is a copy)', () => {
    const o = normalizeCircuitBreakerOptions({});
    for (const [key, value] of Object.entries(CIRCUIT_BREAKER_DEFAULTS)) {
      expect(o[key as keyof typeof o]).toEqual(value);
    }
    expect(o.slidingWindow).not.toBe(CIRCUIT_BREAKER_DEFAULTS.slidingWindow);
    expect(Object.isFrozen(CIRCUIT_BREAKER_DEFAULTS)).toBe(true);
  });

  it('switches to rate mode when failureRateThreshold is set', () => {
    const o = normalizeCircuitBreakerOptions({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 } });
    expect(o.mode).toBe('rate');
    expect(o.failureRateThreshold).toBe(50);
    // minimumCalls defaults to min(10, window size).
    expect(o.minimumCalls).toBe(4);
    const t = normalizeCircuitBreakerOptions({
      failureRateThreshold: 25,
      slidingWindow: { type: 'time', durationMs: 5000 },
    });
    expect(t.slidingWindow).toEqual({ type: 'time', durationMs: 5000 });
    expect(t.minimumCalls).toBe(10);
  });

  it('keeps valid explicit values', () => {
    const o = normalizeCircuitBreakerOptions({
      failureThreshold: 3,
      recoveryTimeMs: 0,
      halfOpenMaxCalls: 4,
      successThreshold: 2,
      historySize: 0,
      slowCallDurationMs: 250,
    });
    expect([
      o.failureThreshold,
      o.recoveryTimeMs,
      o.halfOpenMaxCalls,
      o.successThreshold,
      o.historySize,
      o.slowCallDurationMs,
    ]).toEqual([3, 0, 4, 2, 0, 250]);
  });

  describe('rejects each bad option with its path and value', () => {
    it.each<[string, Record<string, unknown>, string, string]>([
      ['negative failureThreshold', { failureThreshold: -1 }, 'breakers.x.failureThreshold', '-1'],
      ['zero failureThreshold', { failureThreshold: 0 }, 'breakers.x.failureThreshold', '0'],
      ['NaN failureThreshold', { failureThreshold: NaN }, 'breakers.x.failureThreshold', 'NaN'],
      ['non-integer failureThreshold', { failureThreshold: 2.5 }, 'breakers.x.failureThreshold', '2.5'],
      ['string failureThreshold', { failureThreshold: '5' }, 'breakers.x.failureThreshold', '"5"'],
      ['negative recoveryTimeMs', { recoveryTimeMs: -100 }, 'breakers.x.recoveryTimeMs', '-100'],
      ['NaN recoveryTimeMs', { recoveryTimeMs: NaN }, 'breakers.x.recoveryTimeMs', 'NaN'],
      ['infinite recoveryTimeMs', { recoveryTimeMs: Infinity }, 'breakers.x.recoveryTimeMs', 'Infinity'],
      ['zero halfOpenMaxCalls', { halfOpenMaxCalls: 0 }, 'breakers.x.halfOpenMaxCalls', '0'],
      ['non-integer halfOpenMaxCalls', { halfOpenMaxCalls: 1.5 }, 'breakers.x.halfOpenMaxCalls', '1.5'],
      ['zero successThreshold', { successThreshold: 0 }, 'breakers.x.successThreshold', '0'],
      ['NaN successThreshold', { successThreshold: NaN }, 'breakers.x.successThreshold', 'NaN'],
      ['failureRateThreshold 0', { failureRateThreshold: 0 }, 'breakers.x.failureRateThreshold', '0'],
      ['failureRateThreshold > 100', { failureRateThreshold: 101 }, 'breakers.x.failureRateThreshold', '101'],
      ['NaN failureRateThreshold', { failureRateThreshold: NaN }, 'breakers.x.failureRateThreshold', 'NaN'],
      ['slowCallRateThreshold > 100', { slowCallRateThreshold: 150 }, 'breakers.x.slowCallRateThreshold', '150'],
      ['zero slowCallDurationMs', { slowCallDurationMs: 0 }, 'breakers.x.slowCallDurationMs', '0'],
      ['negative slowCallDurationMs', { slowCallDurationMs: -5 }, 'breakers.x.slowCallDurationMs', '-5'],
      ['zero minimumCalls', { minimumCalls: 0 }, 'breakers.x.minimumCalls', '0'],
      ['non-integer minimumCalls', { minimumCalls: 2.2 }, 'breakers.x.minimumCalls', '2.2'],
      ['zero maxPartitions', { maxPartitions: 0 }, 'breakers.x.maxPartitions', '0'],
      ['negative historySize', { historySize: -1 }, 'breakers.x.historySize', '-1'],
      ['non-integer historySize', { historySize: 1.5 }, 'breakers.x.historySize', '1.5'],
      ['typo failureTreshold', { failureTreshold: 3 }, 'breakers.x.failureTreshold', '3'],
      ['typo recoveryTimeout', { recoveryTimeout: 1000 }, 'breakers.x.recoveryTimeout', '1000'],
      ['non-filter failOn', { failOn: true }, 'breakers.x.failOn', 'true'],
      ['failOn with a string', { failOn: ['TimeoutError'] }, 'breakers.x.failOn[0]', '"TimeoutError"'],
      ['non-function partitionKey', { partitionKey: 'host' }, 'breakers.x.partitionKey', '"host"'],
      ['non-function onStateChange', { onStateChange: 42 }, 'breakers.x.onStateChange', '42'],
      ['non-object slidingWindow', { slidingWindow: 100 }, 'breakers.x.slidingWindow', '100'],
      ['null slidingWindow', { slidingWindow: null }, 'breakers.x.slidingWindow', 'null'],
      [
        'unknown slidingWindow type',
        { slidingWindow: { type: 'sliding', size: 10 } },
        'breakers.x.slidingWindow.type',
        '"sliding"',
      ],
      ['zero count window size', { slidingWindow: { type: 'count', size: 0 } }, 'breakers.x.slidingWindow.size', '0'],
      [
        'non-integer count window size',
        { slidingWindow: { type: 'count', size: 10.5 } },
        'breakers.x.slidingWindow.size',
        '10.5',
      ],
      [
        'zero time window duration',
        { slidingWindow: { type: 'time', durationMs: 0 } },
        'breakers.x.slidingWindow.durationMs',
        '0',
      ],
      [
        'NaN time window duration',
        { slidingWindow: { type: 'time', durationMs: NaN } },
        'breakers.x.slidingWindow.durationMs',
        'NaN',
      ],
      [
        'count window with durationMs',
        { slidingWindow: { type: 'count', size: 10, durationMs: 5 } },
        'breakers.x.slidingWindow.durationMs',
        '5',
      ],
      [
        'time window with size',
        { slidingWindow: { type: 'time', durationMs: 1000, size: 5 } },
        'breakers.x.slidingWindow.size',
        '5',
      ],
      [
        'minimumCalls > count window size',
        { failureRateThreshold: 50, slidingWindow: { type: 'count', size: 5 }, minimumCalls: 6 },
        'breakers.x.minimumCalls',
        '6',
      ],
      ['excludeOn with a number', { excludeOn: [NotFoundError, 42] }, 'breakers.x.excludeOn[1]', '42'],
      ['excludeOn with a string', { excludeOn: ['NotFoundError'] }, 'breakers.x.excludeOn[0]', '"NotFoundError"'],
      [
        'excludeOn with an arrow function',
        { excludeOn: [NotFoundError, () => true] },
        'breakers.x.excludeOn[1]',
        'function (anonymous)',
      ],
      ['excludeOn not an array', { excludeOn: 'NotFoundError' }, 'breakers.x.excludeOn', '"NotFoundError"'],
    ])('%s', (_label, options, path, shown) => {
      bad(options, path, shown);
    });

    it('rejects a non-object options value', () => {
      bad(5, 'breakers.x', '5', 5);
    });

    it('carries the raw bad value on the error', () => {
      const err = configError(() => normalizeCircuitBreakerOptions({ failureThreshold: -3 }, 'breakers.x'));
      expect(err.value).toBe(-3);
      expect(err.expected).toBe('an integer >= 1');
    });

    it('CircuitBreakerPolicy.create prefixes paths with breakers.<name>', () => {
      const err = configError(() =>
        CircuitBreakerPolicy.create('payments', { failureTreshold: 3 } as CircuitBreakerOptions),
      );
      expect(err.path).toBe('breakers.payments.failureTreshold');
      expect(err.message).toContain('breakers.payments.failureTreshold: 3');
    });
  });

  describe('excludeOn / failOn', () => {
    it('failOn takes error classes (an ErrorFilter, like retryOn): only those count; excludeOn still wins', () => {
      class Strict extends UpstreamConflictError {}
      const o = normalizeCircuitBreakerOptions({ failOn: [UpstreamConflictError], excludeOn: [Strict] });
      expect(o.countsAsFailure(new UpstreamConflictError())).toBe(true);
      expect(o.countsAsFailure(new Strict())).toBe(false);
      expect(o.countsAsFailure(new NotFoundError())).toBe(false);
      expect(o.countsAsFailure(new Error())).toBe(false);
      const single = normalizeCircuitBreakerOptions({ failOn: UpstreamConflictError as never });
      expect(single.countsAsFailure(new UpstreamConflictError())).toBe(true);
      expect(single.countsAsFailure(new Error())).toBe(false);
    });

    it('accepts a single error class without an array', () => {
      const o = normalizeCircuitBreakerOptions({ excludeOn: NotFoundError as never });
      expect(o.countsAsFailure(new NotFoundError())).toBe(false);
      expect(o.countsAsFailure(new UpstreamConflictError())).toBe(true);
      expect(o.countsAsFailure(new Error())).toBe(true);
    });

    it('accepts a single class that does not extend Error (matched with instanceof, not called)', () => {
      class Rejection {}
      const o = normalizeCircuitBreakerOptions({ excludeOn: Rejection as never });
      expect(o.countsAsFailure(new Rejection())).toBe(false);
      expect(o.countsAsFailure(new Error())).toBe(true);
    });

    it('accepts an array of classes', () => {
      const o = normalizeCircuitBreakerOptions({ excludeOn: [NotFoundError, UpstreamConflictError] });
      expect(o.countsAsFailure(new NotFoundError())).toBe(false);
      expect(o.countsAsFailure(new UpstreamConflictError())).toBe(false);
      expect(o.countsAsFailure(new TypeError())).toBe(true);
    });

    it('accepts a predicate', () => {
      const o = normalizeCircuitBreakerOptions({ excludeOn: (e) => (e as Error).message === 'skip' });
      expect(o.countsAsFailure(new Error('skip'))).toBe(false);
      expect(o.countsAsFailure(new Error('boom'))).toBe(true);
    });

    it('a throwing predicate counts the error as a failure instead of throwing', () => {
      const o = normalizeCircuitBreakerOptions({
        failOn: () => {
          throw new TypeError('bug');
        },
      });
      expect(o.countsAsFailure(new Error())).toBe(true);
      const ex = normalizeCircuitBreakerOptions({
        excludeOn: () => {
          throw new TypeError('bug');
        },
      });
      expect(ex.countsAsFailure(new Error())).toBe(true);
    });

    it('failOn false means not a failure; excludeOn wins over failOn', () => {
      const o = normalizeCircuitBreakerOptions({
        failOn: (e) => !(e instanceof UpstreamConflictError),
        excludeOn: [NotFoundError],
      });
      expect(o.countsAsFailure(new UpstreamConflictError())).toBe(false);
      expect(o.countsAsFailure(new NotFoundError())).toBe(false);
      expect(o.countsAsFailure(new Error())).toBe(true);
      const onlyIsFailure = normalizeCircuitBreakerOptions({ failOn: () => true, excludeOn: [NotFoundError] });
      expect(onlyIsFailure.countsAsFailure(new NotFoundError())).toBe(false);
    });
  });
});
