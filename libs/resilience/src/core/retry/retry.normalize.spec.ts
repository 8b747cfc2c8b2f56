import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { normalizeRetryOptions } from './retry.normalize.js';
import { RETRY_DEFAULTS, type RetryOptions } from './retry.options.js';
import { isRetryableByDefault } from './retry.predicate.js';
import { RetryPolicy } from './retry.policy.js';

/** Runs `fn`, expecting a ResilienceConfigError; returns it. */
function configError(fn: () => unknown): ResilienceConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const create = (options: unknown) => () => RetryPolicy.create('x', options as RetryOptions);

describe('normalizeRetryOptions: defaults', () => {
  it('applies the documented defaults', () => {
    const o = normalizeRetryOptions();
    expect(o).toEqual({
      maxRetries: 3,
      baseDelayMs: 1000,
      backoffFactor: 2,
      maxDelayMs: 60_000,
      jitter: 0.2,
      shouldRetry: isRetryableByDefault,
      maxElapsedMs: Infinity,
      maxRetryAfterMs: 60_000,
      onRetry: undefined,
    });
  });

  it('the defaults are RETRY_DEFAULTS (frozen)', () => {
    const { shouldRetry: _s, onRetry: _o, ...rest } = normalizeRetryOptions();
    expect(rest).toEqual({ ...RETRY_DEFAULTS });
    expect(Object.isFrozen(RETRY_DEFAULTS)).toBe(true);
  });

  it('keeps valid values, including 0 retries, 0 delay, Infinity where allowed', () => {
    const onRetry = () => undefined;
    const o = normalizeRetryOptions({
      maxRetries: 0,
      baseDelayMs: 0,
      backoffFactor: 1,
      maxDelayMs: 0,
      jitter: 'equal',
      maxElapsedMs: 5_000,
      maxRetryAfterMs: Infinity,
      onRetry,
    });
    expect(o).toMatchObject({
      maxRetries: 0,
      baseDelayMs: 0,
      backoffFactor: 1,
      maxDelayMs: 0,
      jitter: 'equal',
      maxElapsedMs: 5_000,
      maxRetryAfterMs: Infinity,
      onRetry,
    });
    expect(normalizeRetryOptions({ maxRetries: Infinity, maxElapsedMs: Infinity }).maxRetries).toBe(Infinity);
  });

  it.each([
    ['none', 'none'],
    ['full', 'full'],
    ['equal', 'equal'],
    [0, 'none'],
    [0.5, 0.5],
    [1, 1],
  ] as const)('jitter %p → %p', (input, out) => {
    expect(normalizeRetryOptions({ jitter: input }).jitter).toBe(out);
  });
});

describe('normalizeRetryOptions: bad options throw ResilienceConfigError naming the path and the value', () => {
  it.each([
    ['baseDelayMs', NaN, 'NaN'],
    ['baseDelayMs', -1, '-1'],
    ['baseDelayMs', '100', '"100"'],
    ['baseDelayMs', Infinity, 'Infinity'],
    ['maxRetries', -1, '-1'],
    ['maxRetries', 1.5, '1.5'],
    ['maxRetries', NaN, 'NaN'],
    ['maxRetries', null, 'null'],
    ['backoffFactor', 0.5, '0.5'],
    ['backoffFactor', 0, '0'],
    ['maxDelayMs', -100, '-100'],
    ['maxDelayMs', NaN, 'NaN'],
    ['jitter', 2, '2'],
    ['jitter', -0.1, '-0.1'],
    ['jitter', NaN, 'NaN'],
    ['jitter', 'half', '"half"'],
    ['jitter', true, 'true'],
    ['maxElapsedMs', 0, '0'],
    ['maxElapsedMs', -1, '-1'],
    ['maxRetryAfterMs', -1, '-1'],
    ['maxRetryAfterMs', NaN, 'NaN'],
    ['onRetry', 'log', '"log"'],
    ['retryOn', 'TypeError', '"TypeError"'],
    ['retryOn', 42, '42'],
    ['excludeOn', {}, '[object Object]'],
  ])('%s = %p', (key, value, rendered) => {
    const e = configError(create({ [key]: value }));
    expect(e.path).toBe(`retries.x.${key}`);
    if (Number.isNaN(value)) expect(e.value).toBeNaN();
    else expect(e.value).toBe(value);
    expect(e.message).toContain(`retries.x.${key}: ${rendered}`);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(e.isTransient).toBe(false);
  });

  it('an unknown key (a typo) is named with its value', () => {
    const e = configError(create({ maxRetry: 3 }));
    expect(e.path).toBe('retries.x.maxRetry');
    expect(e.value).toBe(3);
    expect(e.message).toContain('retries.x.maxRetry: 3');
    expect(e.message).toContain('maxRetries');
  });

  it('a non-class entry in a retryOn / excludeOn array names its index', () => {
    const arrow = () => true;
    const e = configError(create({ retryOn: [TypeError, arrow] }));
    expect(e.path).toBe('retries.x.retryOn[1]');
    expect(e.value).toBe(arrow);
    const e2 = configError(create({ excludeOn: ['NotFound'] }));
    expect(e2.path).toBe('retries.x.excludeOn[0]');
    expect(e2.value).toBe('NotFound');
  });

  it('options that are not an object', () => {
    const e = configError(create(null));
    expect(e.path).toBe('retries.x');
    expect(e.value).toBeNull();
    expect(configError(create(5)).value).toBe(5);
  });

  it('the default path prefix is "retry"', () => {
    expect(configError(() => normalizeRetryOptions({ baseDelayMs: -1 })).path).toBe('retry.baseDelayMs');
  });

  it('the error message bounds the rendered value (no object dump)', () => {
    const big = { secret: 'sk-123', nested: { deep: true } };
    const e = configError(create({ maxDelayMs: big }));
    expect(e.message).not.toContain('sk-123');
    expect(e.message).toContain('[object Object]');
  });
});
