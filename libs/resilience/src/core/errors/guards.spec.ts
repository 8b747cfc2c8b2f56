import { describe, expect, it, jest } from '@jest/globals';
import * as errors from './index.js';
import {
  BulkheadRejectedError,
  CircuitBreakerOpenError,
  hasErrorBrand,
  isBulkheadRejectedError,
  isCircuitBreakerOpenError,
  isRateLimiterRejectedError,
  isResilienceConfigError,
  isResilienceError,
  isStoreUnavailableError,
  isTimeoutError,
  RateLimiterRejectedError,
  ResilienceConfigError,
  ResilienceError,
  StoreUnavailableError,
  TimeoutError,
} from './index.js';

type Errors = typeof errors;

/** One error of each class, built from a given copy of the module. */
const samples = (m: Errors) => ({
  ResilienceError: new m.ResilienceError('base'),
  CircuitBreakerOpenError: new m.CircuitBreakerOpenError('payments', 1500),
  RateLimiterRejectedError: new m.RateLimiterRejectedError('quotes', 250, 1),
  ResilienceConfigError: new m.ResilienceConfigError('breakers.x.failureThreshold', -1, 'an integer >= 1'),
  StoreUnavailableError: new m.StoreUnavailableError('quotes', 'timed out'),
  TimeoutError: new m.TimeoutError('search', 2000, 'attempt'),
  BulkheadRejectedError: new m.BulkheadRejectedError('db', 'queue-full', 4, 0),
});
type Name = keyof ReturnType<typeof samples>;

const GUARDS: Record<Name, (e: unknown) => boolean> = {
  ResilienceError: isResilienceError,
  CircuitBreakerOpenError: isCircuitBreakerOpenError,
  RateLimiterRejectedError: isRateLimiterRejectedError,
  ResilienceConfigError: isResilienceConfigError,
  StoreUnavailableError: isStoreUnavailableError,
  TimeoutError: isTimeoutError,
  BulkheadRejectedError: isBulkheadRejectedError,
};
const CLASSES: Record<Name, abstract new (...args: never[]) => Error> = {
  ResilienceError,
  CircuitBreakerOpenError,
  RateLimiterRejectedError,
  ResilienceConfigError,
  StoreUnavailableError,
  TimeoutError,
  BulkheadRejectedError,
};
const NAMES = Object.keys(GUARDS) as Name[];

/** A second, independent copy of the module (what two installs of the package amount to). */
async function secondCopy(): Promise<Errors> {
  let copy: Errors | undefined;
  await jest.isolateModulesAsync(async () => {
    copy = await import('./index.js');
  });
  return copy!;
}

describe('brand guards of the core errors', () => {
  it.each(NAMES)('%s: its guard accepts it, every other class guard but the base one refuses it', (name) => {
    const e = samples(errors)[name];
    expect(GUARDS[name](e)).toBe(true);
    expect(isResilienceError(e)).toBe(true);
    for (const other of NAMES)
      if (other !== name && other !== 'ResilienceError') expect([other, GUARDS[other](e)]).toEqual([other, false]);
  });

  it.each(NAMES)('%s from a second copy of the package: instanceof fails, the guard holds', async (name) => {
    const copy = await secondCopy();
    expect(copy.CircuitBreakerOpenError).not.toBe(CircuitBreakerOpenError);
    const foreign = samples(copy)[name];
    expect(foreign).not.toBeInstanceOf(CLASSES[name]);
    expect(GUARDS[name](foreign)).toBe(true);
    expect(isResilienceError(foreign)).toBe(true);
    // And the other way round: the second copy's guards recognise this copy's errors.
    const guardOfCopy = copy[`is${name}`] as (e: unknown) => boolean;
    expect(guardOfCopy(samples(errors)[name])).toBe(true);
  });

  it('a structurally equal error defined elsewhere (same brand) passes; look-alikes do not', () => {
    class VendoredBreakerOpen extends Error {
      readonly isCircuitBreakerOpenError = true;
      readonly isResilienceError = true;
      readonly retryAfterMs = 10;
    }
    expect(isCircuitBreakerOpenError(new VendoredBreakerOpen('open'))).toBe(true);
    // Same name, no brand.
    const named = new Error('open');
    named.name = 'CircuitBreakerOpenError';
    expect(isCircuitBreakerOpenError(named)).toBe(false);
    // A brand that is not exactly `true`.
    expect(isCircuitBreakerOpenError(Object.assign(new Error('x'), { isCircuitBreakerOpenError: 'true' }))).toBe(false);
    // A branded plain object is not an Error.
    expect(isCircuitBreakerOpenError({ isCircuitBreakerOpenError: true, message: 'x' })).toBe(false);
    for (const v of [null, undefined, 0, 'CircuitBreakerOpenError', {}]) expect(isResilienceError(v)).toBe(false);
    expect(hasErrorBrand(new TypeError('t'), 'isResilienceError')).toBe(false);
  });
});

describe('the core errors', () => {
  it.each([
    ['ResilienceError', false],
    ['CircuitBreakerOpenError', true],
    ['RateLimiterRejectedError', true],
    ['ResilienceConfigError', false],
    ['StoreUnavailableError', true],
    ['TimeoutError', true],
    ['BulkheadRejectedError', true],
  ] as const)('%s: name set, isTransient %s, toJSON without brands or cause', (name, transient) => {
    const e = samples(errors)[name];
    expect(e).toBeInstanceOf(ResilienceError);
    expect(e.name).toBe(name);
    expect(e.isTransient).toBe(transient);
    const json = e.toJSON();
    expect(json).toMatchObject({ name, message: e.message, isTransient: transient });
    expect(Object.keys(json).some((k) => k.startsWith('is') && k !== 'isTransient')).toBe(false);
    expect(json).not.toHaveProperty('cause');
    expect(JSON.parse(JSON.stringify(e))).toEqual(JSON.parse(JSON.stringify(json)));
  });

  it('breaker and limiter refusals carry policy, retryAfterMs and partition', () => {
    const open = new CircuitBreakerOpenError('payments', 1499.2, 'half_open', 'tenant-1');
    expect(open.message).toBe(
      "Circuit breaker 'payments' [tenant-1] is half-open with all trial calls in flight; retry after 1500 ms",
    );
    expect(open.toJSON()).toEqual({
      name: 'CircuitBreakerOpenError',
      message: open.message,
      isTransient: true,
      policy: 'payments',
      state: 'half_open',
      retryAfterMs: 1499.2,
      partitionKey: 'tenant-1',
    });
    const limited = new RateLimiterRejectedError('quotes', 250, 3);
    expect(limited.message).toBe("Rate limit 'quotes' exceeded: 3 token(s) available in 250 ms");
    expect(limited.toJSON()).toMatchObject({ policy: 'quotes', retryAfterMs: 250, tokens: 3 });
  });

  it('StoreUnavailableError keeps its cause (not in toJSON) and names policy and reason', () => {
    const cause = new Error('ECONNREFUSED');
    const e = new StoreUnavailableError('quotes', 'connection refused', { cause });
    expect(e.cause).toBe(cause);
    expect(e.message).toBe("Shared store unavailable for 'quotes': connection refused");
    expect(e.toJSON()).toEqual({
      name: 'StoreUnavailableError',
      message: e.message,
      isTransient: true,
      policy: 'quotes',
      reason: 'connection refused',
    });
  });
});
