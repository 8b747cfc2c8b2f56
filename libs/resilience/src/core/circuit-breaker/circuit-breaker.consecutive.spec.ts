import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  calls,
  checkBreakerHarness,
  clock,
  fail,
  make,
  NotFoundError,
  ok,
  openError,
  resetBreakerHarness,
  timed,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — consecutive mode', () => {
  it('opens after exactly failureThreshold consecutive failures', async () => {
    const b = make({ failureThreshold: 3, recoveryTimeMs: 10_000 });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(await fail(b)).toBeInstanceOf(Error);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(2);
    await fail(b);
    expect(b.state()).toBe('open');
    expect(calls).toBe(3);
    // Rejected without calling fn.
    await openError(fail(b));
    expect(calls).toBe(3);
  });

  it('a success resets the consecutive count', async () => {
    const b = make({ failureThreshold: 3 });
    await fail(b);
    await fail(b);
    expect(await ok(b)).toBe('ok');
    expect(b.snapshot().failureCount).toBe(0);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(2);
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('CircuitBreakerOpenError names the policy and the remaining recovery time (decreasing, never negative)', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 10_000 }, 'payments');
    await fail(b);
    let e = await openError(fail(b));
    expect(e.policy).toBe('payments');
    expect(e.state).toBe('open');
    expect(e.retryAfterMs).toBe(10_000);
    expect(e.partitionKey).toBeUndefined();
    expect(e.isTransient).toBe(true);
    expect(e.message).toBe("Circuit breaker 'payments' is open; retry after 10000 ms");
    expect(e.toJSON()).toEqual({
      name: 'CircuitBreakerOpenError',
      message: e.message,
      isTransient: true,
      policy: 'payments',
      state: 'open',
      retryAfterMs: 10_000,
      partitionKey: undefined,
    });

    await clock.advance(4_000);
    e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(6_000);
    expect(b.snapshot().retryAfterMs).toBe(6_000);

    await clock.advance(5_999);
    e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(1);
    expect(b.snapshot().retryAfterMs).toBe(1);
    expect(calls).toBe(1);

    await clock.advance(1);
    expect(b.snapshot().retryAfterMs).toBe(0);
    // Now admitted (a trial), not rejected with a negative wait.
    expect(await ok(b)).toBe('ok');
    expect(calls).toBe(2);
    expect(b.state()).toBe('closed');
  });

  it('counts a slow success as a failure', async () => {
    const b = make({ failureThreshold: 2, slowCallDurationMs: 100 });
    expect(await timed(b, 150)).toBe('slow-ok');
    expect(b.snapshot().failureCount).toBe(1);
    expect(await timed(b, 50)).toBe('slow-ok'); // fast: resets
    expect(b.snapshot().failureCount).toBe(0);
    await timed(b, 150);
    expect(b.state()).toBe('closed');
    await timed(b, 200);
    expect(b.state()).toBe('open');
  });

  it('does not count errors excluded by excludeOn / failOn', async () => {
    const b = make({
      failureThreshold: 2,
      excludeOn: [NotFoundError],
      failOn: (e) => (e as Error).message !== 'ignored',
    });
    for (let i = 0; i < 5; i++) {
      await fail(b, new NotFoundError());
      await fail(b, new Error('ignored'));
    }
    expect(b.state()).toBe('closed');
    const s = b.snapshot();
    expect([s.failureCount, s.failures, s.successes]).toEqual([0, 0, 0]);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('open');
  });
});
