import { describe, expect, it, jest } from '@jest/globals';
import { ResilienceError } from './resilience.error.js';
import { isTimeoutError, TimeoutError } from './timeout.error.js';

describe('TimeoutError', () => {
  it('is a transient ResilienceError carrying policy, timeoutMs and scope', () => {
    const e = new TimeoutError('search', 2000, 'attempt');
    expect(e).toBeInstanceOf(ResilienceError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TimeoutError');
    expect(e.isTransient).toBe(true);
    expect([e.policy, e.timeoutMs, e.scope]).toEqual(['search', 2000, 'attempt']);
    expect(e.message).toBe("Timeout 'search': the attempt did not settle within 2000 ms");
    expect(new TimeoutError('search', 5000, 'total').message).toBe(
      "Timeout 'search': the call did not settle within 5000 ms",
    );
  });

  it('toJSON is a log-safe plain object with every field', () => {
    const e = new TimeoutError('search', 5000, 'total', { cause: new Error('socket') });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      name: 'TimeoutError',
      message: "Timeout 'search': the call did not settle within 5000 ms",
      isTransient: true,
      policy: 'search',
      timeoutMs: 5000,
      scope: 'total',
    });
    expect((e.cause as Error).message).toBe('socket');
  });

  it('isTimeoutError reads the brand: true for ours, false for look-alikes and non-errors', () => {
    expect(isTimeoutError(new TimeoutError('p', 1, 'attempt'))).toBe(true);
    expect(isTimeoutError(new Error('timeout'))).toBe(false);
    expect(isTimeoutError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe(false);
    expect(isTimeoutError({ isTimeoutError: 'yes' })).toBe(false);
    for (const v of [undefined, null, 0, 'TimeoutError', true]) expect(isTimeoutError(v)).toBe(false);
  });

  it('isTimeoutError recognises an error from a second copy of the package (where instanceof fails)', async () => {
    let copy: typeof import('./timeout.error.js') | undefined;
    await jest.isolateModulesAsync(async () => {
      copy = await import('./timeout.error.js');
    });
    expect(copy!.TimeoutError).not.toBe(TimeoutError);
    const foreign = new copy!.TimeoutError('p', 10, 'total');
    expect(foreign instanceof TimeoutError).toBe(false);
    expect(isTimeoutError(foreign)).toBe(true);
    expect(copy!.isTimeoutError(new TimeoutError('p', 10, 'attempt'))).toBe(true);
  });
});
