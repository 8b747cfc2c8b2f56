import { describe, expect, it, jest } from '@jest/globals';
import { BulkheadRejectedError, isBulkheadRejectedError } from './bulkhead-rejected.error.js';
import { ResilienceError } from './resilience.error.js';

describe('BulkheadRejectedError', () => {
  it('is a transient ResilienceError carrying policy, reason, maxConcurrent and maxQueued', () => {
    const e = new BulkheadRejectedError('db', 'queue-full', 10, 5);
    expect(e).toBeInstanceOf(ResilienceError);
    expect(e.name).toBe('BulkheadRejectedError');
    expect(e.isTransient).toBe(true);
    expect([e.policy, e.reason, e.maxConcurrent, e.maxQueued]).toEqual(['db', 'queue-full', 10, 5]);
    expect(e.message).toBe("Bulkhead 'db' is full: 10 call(s) in flight and 5 queued");
    expect(new BulkheadRejectedError('db', 'wait-timeout', 10, 5).message).toBe(
      "Bulkhead 'db': no slot of 10 came free within maxWaitMs",
    );
  });

  it('toJSON is a log-safe plain object with every field', () => {
    expect(new BulkheadRejectedError('db', 'wait-timeout', 2, 0).toJSON()).toEqual({
      name: 'BulkheadRejectedError',
      message: "Bulkhead 'db': no slot of 2 came free within maxWaitMs",
      isTransient: true,
      policy: 'db',
      reason: 'wait-timeout',
      maxConcurrent: 2,
      maxQueued: 0,
    });
  });

  it('isBulkheadRejectedError reads the brand, also on an error from a second copy of the package', async () => {
    expect(isBulkheadRejectedError(new BulkheadRejectedError('db', 'queue-full', 1, 0))).toBe(true);
    expect(isBulkheadRejectedError(Object.assign(new Error('x'), { name: 'BulkheadRejectedError' }))).toBe(false);
    for (const v of [undefined, null, 1, 'x', { isBulkheadRejectedError: 1 }])
      expect(isBulkheadRejectedError(v)).toBe(false);
    let copy: typeof import('./bulkhead-rejected.error.js') | undefined;
    await jest.isolateModulesAsync(async () => {
      copy = await import('./bulkhead-rejected.error.js');
    });
    const foreign = new copy!.BulkheadRejectedError('db', 'queue-full', 1, 0);
    expect(foreign instanceof BulkheadRejectedError).toBe(false);
    expect(isBulkheadRejectedError(foreign)).toBe(true);
  });
});
