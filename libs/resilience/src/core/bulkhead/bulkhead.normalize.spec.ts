import { describe, expect, it } from '@jest/globals';
import { ResilienceConfigError } from '../errors/index.js';
import { normalizeBulkheadOptions } from './bulkhead.normalize.js';
import { BULKHEAD_DEFAULTS, type BulkheadOptions } from './bulkhead.options.js';
import { BulkheadPolicy } from './bulkhead.policy.js';

function configError(make: () => unknown): ResilienceConfigError {
  try {
    make();
  } catch (e) {
    expect(e).toBeInstanceOf(ResilienceConfigError);
    return e as ResilienceConfigError;
  }
  throw new Error('expected a ResilienceConfigError');
}

const create = (options: unknown) => () => BulkheadPolicy.create('db', options as BulkheadOptions);

describe('normalizeBulkheadOptions', () => {
  it('fills the documented defaults: no queue, unbounded wait', () => {
    expect(BULKHEAD_DEFAULTS).toEqual({ maxQueued: 0, maxWaitMs: Infinity });
    expect(normalizeBulkheadOptions({ maxConcurrent: 3 })).toEqual({
      maxConcurrent: 3,
      maxQueued: 0,
      maxWaitMs: Infinity,
    });
  });

  it('keeps valid values, Infinity where allowed', () => {
    expect(normalizeBulkheadOptions({ maxConcurrent: 1, maxQueued: Infinity, maxWaitMs: 250 })).toEqual({
      maxConcurrent: 1,
      maxQueued: Infinity,
      maxWaitMs: 250,
    });
    expect(normalizeBulkheadOptions({ maxConcurrent: 10, maxQueued: 0, maxWaitMs: Infinity }).maxWaitMs).toBe(Infinity);
  });

  it.each([
    ['maxConcurrent missing', {}, 'bulkheads.db.maxConcurrent', undefined],
    ['maxConcurrent 0', { maxConcurrent: 0 }, 'bulkheads.db.maxConcurrent', 0],
    ['maxConcurrent 1.5', { maxConcurrent: 1.5 }, 'bulkheads.db.maxConcurrent', 1.5],
    ['maxConcurrent Infinity', { maxConcurrent: Infinity }, 'bulkheads.db.maxConcurrent', Infinity],
    ['maxConcurrent "10"', { maxConcurrent: '10' }, 'bulkheads.db.maxConcurrent', '10'],
    ['maxQueued -1', { maxConcurrent: 1, maxQueued: -1 }, 'bulkheads.db.maxQueued', -1],
    ['maxQueued 2.5', { maxConcurrent: 1, maxQueued: 2.5 }, 'bulkheads.db.maxQueued', 2.5],
    ['maxQueued NaN', { maxConcurrent: 1, maxQueued: NaN }, 'bulkheads.db.maxQueued', NaN],
    ['maxWaitMs 0', { maxConcurrent: 1, maxWaitMs: 0 }, 'bulkheads.db.maxWaitMs', 0],
    ['maxWaitMs -5', { maxConcurrent: 1, maxWaitMs: -5 }, 'bulkheads.db.maxWaitMs', -5],
    ['maxWaitMs past the timer limit', { maxConcurrent: 1, maxWaitMs: 2 ** 31 }, 'bulkheads.db.maxWaitMs', 2 ** 31],
    ['an unknown key', { maxConcurrent: 1, maxQueue: 5 }, 'bulkheads.db.maxQueue', 5],
    ['no options', undefined, 'bulkheads.db', undefined],
    ['an array', [], 'bulkheads.db', []],
  ])('%s fails at create with ResilienceConfigError naming the path', (_label, options, path, value) => {
    const e = configError(create(options));
    expect(e.path).toBe(path);
    if (Array.isArray(value)) expect(e.value).toEqual(value);
    else expect(Object.is(e.value, value)).toBe(true);
    expect(e.message).toContain(path);
  });
});
