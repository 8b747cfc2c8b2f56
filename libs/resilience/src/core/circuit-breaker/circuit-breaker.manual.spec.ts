import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  calls,
  checkBreakerHarness,
  clock,
  fail,
  make,
  ok,
  openError,
  resetBreakerHarness,
  resetCalls,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — manual control', () => {
  it('forceOpen() rejects every call until reset(), with no half-open', async () => {
    const b = make({ failureThreshold: 3, recoveryTimeMs: 1_000 });
    b.forceOpen();
    expect(b.state()).toBe('open');
    await clock.advance(3_600_000);
    expect(b.state()).toBe('open');
    const e = await openError(fail(b));
    expect(e.retryAfterMs).toBe(1_000);
    expect(e.state).toBe('open');
    expect(calls).toBe(0);
    const s = b.snapshot();
    expect(s.forcedOpen).toBe(true);
    expect(s.state).toBe('open');
    expect(s.rejections).toBe(1);
    b.reset();
    expect(b.state()).toBe('closed');
    expect(b.snapshot().forcedOpen).toBe(false);
    expect(await ok(b)).toBe('ok');
  });

  it('reset() closes an open breaker and clears the failure count', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 1_000 });
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('open');
    b.reset();
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(0);
    expect(b.snapshot().openedAt).toBeUndefined();
    await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('reset() of a closed breaker clears the failures counted so far (consecutive and rate mode)', async () => {
    const b = make({ failureThreshold: 3 });
    await fail(b);
    await fail(b);
    expect(b.snapshot().failureCount).toBe(2);
    b.reset();
    expect(b.snapshot().failureCount).toBe(0);
    await fail(b);
    await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');

    const r = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 }, 'rate');
    await fail(r);
    await fail(r);
    await fail(r);
    b.reset();
    r.reset();
    expect(r.snapshot()).toMatchObject({ failureCount: 0, failureRate: 0 });
    await ok(r);
    await ok(r);
    await ok(r);
    await fail(r); // 1 of 4 after the reset (4 of 4 without it)
    expect(r.state()).toBe('closed');
  });

  it('disable() lets everything through and records nothing until reset()', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000 });
    await fail(b);
    expect(b.state()).toBe('open');
    const before = b.snapshot();
    b.disable();
    expect(b.state()).toBe('closed');
    resetCalls();
    for (let i = 0; i < 10; i++) await fail(b);
    for (let i = 0; i < 5; i++) await ok(b);
    expect(calls).toBe(15);
    expect(b.state()).toBe('closed');
    const s = b.snapshot();
    expect(s.disabled).toBe(true);
    expect([s.successes, s.failures, s.rejections, s.failureCount]).toEqual([
      before.successes,
      before.failures,
      before.rejections,
      0,
    ]);
    b.reset();
    expect(b.snapshot().disabled).toBe(false);
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('forceOpen() after disable() rejects again', async () => {
    const b = make({ failureThreshold: 1 });
    b.disable();
    b.forceOpen();
    const s = b.snapshot();
    expect([s.disabled, s.forcedOpen, s.state]).toEqual([false, true, 'open']);
    await openError(fail(b));
    expect(calls).toBe(0);
  });
});
