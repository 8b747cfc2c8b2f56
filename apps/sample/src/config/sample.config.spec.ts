import { mergeResilienceOptions } from '../sample.module.js';
import { countsAgainstProvider, SampleConfig, SampleConfigError } from './sample.config.js';

describe('SampleConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = new SampleConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.upstream()).toEqual({ failureRate: 0, latencyMs: 0, rateLimitShare: 0 });
    expect(config.resilience()).toMatchObject({
      breakers: { quotes: { failureThreshold: 5, recoveryTime: 15_000 } },
      retries: { quotes: { maxRetries: 2, baseDelay: 200, maxRetryAfterMs: 3000 } },
      limiters: { quotes: { rate: 50, period: 1000, maxWaitMs: 2000 } },
    });
  });

  it('reads the environment', () => {
    const config = new SampleConfig({ PORT: '3123', QUOTES_BREAKER_RECOVERY_MS: '5000', UPSTREAM_FAILURE_RATE: '0.25' });
    expect(config.port).toBe(3123);
    expect(config.resilience().breakers?.quotes?.recoveryTime).toBe(5000);
    expect(config.upstream().failureRate).toBe(0.25);
  });

  it('names the variable and the value when one is bad', () => {
    expect(() => new SampleConfig({ UPSTREAM_FAILURE_RATE: '1.5' }).upstream()).toThrow(
      new SampleConfigError('UPSTREAM_FAILURE_RATE', '1.5', 'a number in [0, 1]'),
    );
    expect(() => new SampleConfig({ PORT: 'http' }).port).toThrow('Invalid PORT="http" (expected a number in [0, 65535])');
  });

  it('counts transient provider failures against the breaker, except 429', () => {
    expect(countsAgainstProvider({ isTransient: true, status: 503 })).toBe(true);
    expect(countsAgainstProvider({ isTransient: true, status: 0 })).toBe(true);
    expect(countsAgainstProvider({ isTransient: true, status: 429 })).toBe(false);
    expect(countsAgainstProvider({ isTransient: false, status: 404 })).toBe(false);
    expect(countsAgainstProvider(new Error('bug'))).toBe(false);
  });
});

describe('mergeResilienceOptions', () => {
  it('merges named policies option by option and replaces top-level values', () => {
    const random = () => 0.5;
    const merged = mergeResilienceOptions(
      { breakers: { quotes: { failureThreshold: 5, recoveryTime: 15_000 } }, retries: { quotes: { maxRetries: 2 } } },
      { random, breakers: { quotes: { recoveryTime: 50 }, other: { failureThreshold: 1 } } },
    );
    expect(merged).toEqual({
      random,
      breakers: { quotes: { failureThreshold: 5, recoveryTime: 50 }, other: { failureThreshold: 1 } },
      retries: { quotes: { maxRetries: 2 } },
      limiters: {},
    });
  });
});
