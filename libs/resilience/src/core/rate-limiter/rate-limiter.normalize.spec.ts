import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { normalizeRateLimiterOptions } from './rate-limiter.normalize.js';
import { RATE_LIMITER_DEFAULTS, type RateLimiterOptions } from './rate-limiter.options.js';

/** The ResilienceConfigError that normalizing `options` throws. */
function configError(options: unknown, path = 'limiters.api'): ResilienceConfigError {
  try {
    normalizeRateLimiterOptions(options as RateLimiterOptions, path);
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

describe('normalizeRateLimiterOptions', () => {
  it('applies the defaults', () => {
    expect(normalizeRateLimiterOptions({ rate: 5 })).toEqual({
      rate: 5,
      periodMs: 1000,
      burst: 5,
      tokens: 1,
      mode: 'wait',
      maxWaitMs: 30_000,
      partitionKey: undefined,
      maxPartitions: 10_000,
    });
  });

  it('the defaults are RATE_LIMITER_DEFAULTS (frozen)', () => {
    const o = normalizeRateLimiterOptions({ rate: 5 });
    const D = RATE_LIMITER_DEFAULTS;
    expect([o.periodMs, o.tokens, o.mode, o.maxWaitMs, o.maxPartitions]).toEqual([
      D.periodMs,
      D.tokens,
      D.mode,
      D.maxWaitMs,
      D.maxPartitions,
    ]);
    expect(Object.isFrozen(D)).toBe(true);
  });

  it('defaults burst to max(1, rate)', () => {
    expect(normalizeRateLimiterOptions({ rate: 0.5, periodMs: 1000 }).burst).toBe(1);
    expect(normalizeRateLimiterOptions({ rate: 12.5 }).burst).toBe(12.5);
  });

  it('keeps explicit values and a tokens function as given', () => {
    const tokens = (n: number) => n;
    const partitionKey = (user: string) => user;
    const o = normalizeRateLimiterOptions({
      rate: 3,
      periodMs: 60_000,
      burst: 10,
      tokens,
      mode: 'wait',
      maxWaitMs: Infinity,
      partitionKey,
      maxPartitions: 5,
    });
    expect(o.rate).toBe(3);
    expect(o.periodMs).toBe(60_000);
    expect(o.burst).toBe(10);
    expect(o.tokens).toBe(tokens);
    expect(o.maxWaitMs).toBe(Infinity);
    expect(o.partitionKey).toBe(partitionKey);
    expect(o.maxPartitions).toBe(5);
  });

  it('reject mode forces maxWaitMs to 0', () => {
    const o = normalizeRateLimiterOptions({ rate: 5, mode: 'reject', maxWaitMs: 5000 });
    expect(o.mode).toBe('reject');
    expect(o.maxWaitMs).toBe(0);
  });

  it.each<[string, Record<string, unknown>, string, unknown]>([
    ['negative rate', { rate: -1 }, 'limiters.api.rate', -1],
    ['zero rate', { rate: 0 }, 'limiters.api.rate', 0],
    ['missing rate', {}, 'limiters.api.rate', undefined],
    ['string rate', { rate: '10' }, 'limiters.api.rate', '10'],
    ['infinite rate', { rate: Infinity }, 'limiters.api.rate', Infinity],
    ['NaN period', { rate: 1, periodMs: NaN }, 'limiters.api.periodMs', NaN],
    ['zero period', { rate: 1, periodMs: 0 }, 'limiters.api.periodMs', 0],
    ['negative burst', { rate: 1, burst: -2 }, 'limiters.api.burst', -2],
    ['burst < tokens per call', { rate: 5, burst: 2, tokens: 3 }, 'limiters.api.burst', 2],
    ['default burst < tokens per call', { rate: 2, tokens: 3 }, 'limiters.api.burst', 2],
    ['zero tokens', { rate: 5, tokens: 0 }, 'limiters.api.tokens', 0],
    ['string tokens', { rate: 5, tokens: '2' }, 'limiters.api.tokens', '2'],
    ['unknown key', { rate: 5, rates: 10 }, 'limiters.api.rates', 10],
    ['bad mode', { rate: 5, mode: 'queue' }, 'limiters.api.mode', 'queue'],
    ['negative maxWaitMs', { rate: 5, maxWaitMs: -1 }, 'limiters.api.maxWaitMs', -1],
    ['NaN maxWaitMs', { rate: 5, maxWaitMs: NaN }, 'limiters.api.maxWaitMs', NaN],
    ['zero maxPartitions', { rate: 5, maxPartitions: 0 }, 'limiters.api.maxPartitions', 0],
    ['fractional maxPartitions', { rate: 5, maxPartitions: 1.5 }, 'limiters.api.maxPartitions', 1.5],
    ['non-function partitionKey', { rate: 5, partitionKey: 'user' }, 'limiters.api.partitionKey', 'user'],
  ])('%s → ResilienceConfigError naming the path and value', (_label, options, path, value) => {
    const e = configError(options);
    expect(e.path).toBe(path);
    expect(Object.is(e.value, value)).toBe(true);
    expect(e.message).toContain(path);
    expect(e.message).toContain(typeof value === 'string' ? JSON.stringify(value) : String(value));
    expect(e.expected.length).toBeGreaterThan(0);
  });

  it('explains why burst < tokens per call is refused', () => {
    const e = configError({ rate: 5, burst: 2, tokens: 3 });
    expect(e.expected).toContain('tokens per call (3)');
    expect(e.message).toBe(
      'Invalid resilience option limiters.api.burst: 2 (expected a number >= tokens per call (3); a call could never be admitted)',
    );
  });

  it('says that tokens may be a number or a function', () => {
    expect(configError({ rate: 5, tokens: { n: 1 } }).expected).toBe(
      'a number > 0 or a function of the call arguments returning one',
    );
  });

  it('lists the expected values for a bad mode', () => {
    expect(configError({ rate: 5, mode: 'queue' }).expected).toBe("one of 'wait', 'reject'");
  });

  it('rejects a non-object at the policy path itself', () => {
    expect(configError(null).path).toBe('limiters.api');
    expect(configError(10).value).toBe(10);
  });

  it('uses rateLimiter as the default path', () => {
    let err: unknown;
    try {
      normalizeRateLimiterOptions({ rate: -3 });
    } catch (e) {
      err = e;
    }
    expect((err as ResilienceConfigError).path).toBe('rateLimiter.rate');
    expect((err as ResilienceConfigError).value).toBe(-3);
  });
});

describe('normalizeRateLimiterOptions, algorithm: sliding-window', () => {
  it('defaults: burst is the rate, safety margin 3 % of the period (at most 250 ms)', () => {
    const o = normalizeRateLimiterOptions({ algorithm: 'sliding-window', rate: 50, periodMs: 1000 });
    expect(o).toMatchObject({ algorithm: 'sliding-window', rate: 50, periodMs: 1000, burst: 50, safetyMarginMs: 30 });
    expect(normalizeRateLimiterOptions({ algorithm: 'sliding-window', rate: 50, periodMs: 200 }).safetyMarginMs).toBe(
      6,
    );
    expect(
      normalizeRateLimiterOptions({ algorithm: 'sliding-window', rate: 500, periodMs: 60_000 }).safetyMarginMs,
    ).toBe(250);
    expect(
      normalizeRateLimiterOptions({ algorithm: 'sliding-window', rate: 5, safetyMarginMs: 0 }).safetyMarginMs,
    ).toBe(0);
    // The token bucket is unchanged (no algorithm field, no margin).
    expect(normalizeRateLimiterOptions({ rate: 5, algorithm: 'token-bucket' })).not.toHaveProperty('safetyMarginMs');
  });

  it.each([
    [{ algorithm: 'sliding', rate: 5 }, 'limiters.api.algorithm', 'sliding'],
    [{ algorithm: 'sliding-window', rate: 5, burst: 10 }, 'limiters.api.burst', 10],
    [{ algorithm: 'sliding-window', rate: 5, safetyMarginMs: -1 }, 'limiters.api.safetyMarginMs', -1],
    [{ algorithm: 'sliding-window', rate: 5, safetyMarginMs: Infinity }, 'limiters.api.safetyMarginMs', Infinity],
    [{ algorithm: 'sliding-window', rate: 5, safetyMarginMs: '10' }, 'limiters.api.safetyMarginMs', '10'],
    [{ rate: 5, safetyMarginMs: 10 }, 'limiters.api.safetyMarginMs', 10],
    [{ algorithm: 'sliding-window', rate: 5, tokens: 6 }, 'limiters.api.tokens', 6],
  ])('rejects %j at %s', (options, path, value) => {
    const err = configError(options);
    expect(err.path).toBe(path);
    expect(err.value).toBe(value);
  });

  it('accepts burst equal to the rate (e.g. from limiters.default)', () => {
    expect(normalizeRateLimiterOptions({ algorithm: 'sliding-window', rate: 5, burst: 5 }).burst).toBe(5);
  });
});
