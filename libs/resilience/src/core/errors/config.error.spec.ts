import { describe, expect, it } from '@jest/globals';
import { describeValue, ResilienceConfigError } from './config.error.js';
import { retryAfterOf } from './retry-after.js';

describe('ResilienceConfigError', () => {
  it('names the option path, the value and what was expected; toJSON leaves the value out', () => {
    const e = new ResilienceConfigError('bulkheads.db.maxConcurrent', 0, 'an integer >= 1');
    expect(e.message).toBe('Invalid resilience option bulkheads.db.maxConcurrent: 0 (expected an integer >= 1)');
    expect([e.path, e.value, e.expected]).toEqual(['bulkheads.db.maxConcurrent', 0, 'an integer >= 1']);
    expect(e.isTransient).toBe(false);
    expect(e.toJSON()).toEqual({
      name: 'ResilienceConfigError',
      message: e.message,
      isTransient: false,
      path: 'bulkheads.db.maxConcurrent',
      expected: 'an integer >= 1',
    });
  });
});

describe('describeValue', () => {
  it.each([
    ['abc', '"abc"'],
    [12.5, '12.5'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [function named() {}, 'function named'],
    [() => 1, 'function (anonymous)'],
    [[1, 2, 3], 'array(3)'],
    [{ a: 1 }, '[object Object]'],
    [new Map(), '[object Map]'],
  ])('%p → %s', (value, shown) => {
    expect(describeValue(value)).toBe(shown);
  });
});

describe('retryAfterOf', () => {
  it('reads a finite, non-negative retryAfterMs from anything', () => {
    expect(retryAfterOf({ retryAfterMs: 250 })).toBe(250);
    expect(retryAfterOf(Object.assign(new Error('x'), { retryAfterMs: 0 }))).toBe(0);
    for (const v of [-1, Number.POSITIVE_INFINITY, Number.NaN, '250', undefined])
      expect(retryAfterOf({ retryAfterMs: v })).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
    expect(retryAfterOf(undefined)).toBeUndefined();
    expect(retryAfterOf('x')).toBeUndefined();
  });
});
