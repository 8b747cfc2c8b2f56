import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { normalizeFallbackOptions } from './fallback.normalize.js';
import { FALLBACK_DEFAULTS, type FallbackOptions } from './fallback.options.js';
import { fallsBackByDefault } from './fallback.predicate.js';
import { FallbackPolicy } from './fallback.policy.js';

function configError(make: () => unknown): ResilienceConfigError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const create = (options: unknown) => () => FallbackPolicy.create('prices', options as FallbackOptions);
const fn = () => 'computed';

describe('normalizeFallbackOptions', () => {
  it('the default filter is "isTransient === true"', () => {
    expect(FALLBACK_DEFAULTS.fallbackOn).toBe(fallsBackByDefault);
    const o = normalizeFallbackOptions({ value: 0 });
    expect(o.handles({ isTransient: true })).toBe(true);
    expect(o.handles(Object.assign(new Error('x'), { isTransient: false }))).toBe(false);
    expect(o.handles(new Error('plain'))).toBe(false);
    expect(o.handles({ isTransient: 'true' })).toBe(false);
    expect(o.handles(null)).toBe(false);
    expect(o.handles('boom')).toBe(false);
  });

  it.each([
    ['value', { value: 42 }, 'value'],
    ['value 0', { value: 0 }, 'value'],
    ['value null', { value: null }, 'value'],
    ['value undefined alone', { value: undefined }, 'value'],
    ['fn', { fn }, 'fn'],
    ['fn with value undefined', { fn, value: undefined }, 'fn'],
    ['method', { method: 'cachedPrice' }, 'method'],
  ])('%s is accepted as kind %s', (_label, options, kind) => {
    const o = normalizeFallbackOptions(options as FallbackOptions);
    expect(o.kind).toBe(kind);
  });

  it.each([
    ['none of value, fn, method', {}, 'fallbacks.prices'],
    ['only filters', { fallbackOn: [Error] }, 'fallbacks.prices'],
    ['value and fn', { value: 1, fn }, 'fallbacks.prices.fn'],
    ['value and method', { value: 1, method: 'm' }, 'fallbacks.prices.method'],
    ['fn and method', { fn, method: 'm' }, 'fallbacks.prices.method'],
    ['fn not a function', { fn: 'handler' }, 'fallbacks.prices.fn'],
    ['method empty', { method: '' }, 'fallbacks.prices.method'],
    ['method not a string', { method: 3 }, 'fallbacks.prices.method'],
    ['fallbackOn a string', { value: 1, fallbackOn: 'TimeoutError' }, 'fallbacks.prices.fallbackOn'],
    ['excludeOn holding an arrow', { value: 1, excludeOn: [() => true] }, 'fallbacks.prices.excludeOn[0]'],
    ['an unknown key', { value: 1, fallbackMethod: 'm' }, 'fallbacks.prices.fallbackMethod'],
    ['null options', null, 'fallbacks.prices'],
    ['no options', undefined, 'fallbacks.prices'],
  ])('%s fails at create with ResilienceConfigError naming the path', (_label, options, path) => {
    const e = configError(create(options));
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
  });

  it('two kinds at once name the one already set in the expectation', () => {
    expect(configError(create({ value: 1, fn })).expected).toMatch(/^absent: value is set/);
  });
});
