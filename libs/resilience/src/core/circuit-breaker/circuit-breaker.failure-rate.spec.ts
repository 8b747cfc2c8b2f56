import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  checkBreakerHarness,
  clock,
  fail,
  make,
  ok,
  resetBreakerHarness,
  timed,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — failure-rate mode', () => {
  it('count window: opens at failureRateThreshold once minimumCalls are in the window', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 });
    await fail(b);
    await fail(b);
    await fail(b);
    // 100 % but only 3 calls.
    expect(b.state()).toBe('closed');
    let s = b.snapshot();
    expect(s.failureRate).toBe(100);
    expect(s.failureCount).toBe(3);
    expect(s.slowCallRate).toBeUndefined();
    await ok(b);
    // 3 / 4 = 75 %.
    expect(b.state()).toBe('open');
    s = b.snapshot();
    // The window is cleared on opening.
    expect(s.failureRate).toBe(0);
    expect(s.failureCount).toBe(0);
  });

  it('count window: below the threshold stays closed; old outcomes slide out', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'count', size: 4 }, minimumCalls: 4 });
    await fail(b);
    await ok(b);
    await ok(b);
    await ok(b);
    expect(b.snapshot().failureRate).toBe(25);
    await ok(b); // the failure slides out
    expect(b.snapshot().failureRate).toBe(0);
    await fail(b);
    expect(b.snapshot().failureRate).toBe(25);
    expect(b.state()).toBe('closed');
    await fail(b); // ok ok fail fail = 50 %
    expect(b.state()).toBe('open');
  });

  it('time window: only the calls of the last durationMs count', async () => {
    const b = make({ failureRateThreshold: 60, slidingWindow: { type: 'time', durationMs: 1_000 }, minimumCalls: 2 });
    await fail(b);
    await clock.advance(1_500);
    await fail(b);
    // The first failure left the window: 1 call < minimumCalls (else 2 of 2 would open).
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureCount).toBe(1);
    expect(b.snapshot().failureRate).toBe(100);
    await clock.advance(300);
    await ok(b); // 1 / 2 = 50 %
    await ok(b); // 1 / 3
    await fail(b); // 2 / 4 = 50 %
    expect(b.state()).toBe('closed');
    expect(b.snapshot().failureRate).toBe(50);
    await fail(b); // 3 / 5 = 60 %
    expect(b.state()).toBe('open');
  });

  it('time window: minimumCalls defaults to 10', async () => {
    const b = make({ failureRateThreshold: 50, slidingWindow: { type: 'time', durationMs: 60_000 } });
    for (let i = 0; i < 9; i++) await fail(b);
    expect(b.state()).toBe('closed');
    await fail(b);
    expect(b.state()).toBe('open');
  });

  it('slow calls open the breaker at slowCallRateThreshold', async () => {
    const b = make({
      failureRateThreshold: 100,
      slidingWindow: { type: 'count', size: 4 },
      minimumCalls: 4,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 50,
    });
    await timed(b, 150);
    await timed(b, 99);
    await timed(b, 10);
    let s = b.snapshot();
    expect(s.slowCallRate).toBeCloseTo(100 / 3, 10);
    expect(s.failureRate).toBe(0);
    expect(b.state()).toBe('closed');
    await timed(b, 100); // 2 slow of 4 = 50 %
    expect(b.state()).toBe('open');
    s = b.snapshot();
    expect(s.successes).toBe(4);
    expect(s.failures).toBe(0);
  });

  it('slow failures count both as failures and as slow calls', async () => {
    const b = make({
      failureRateThreshold: 100,
      slidingWindow: { type: 'count', size: 10 },
      minimumCalls: 2,
      slowCallDurationMs: 100,
      slowCallRateThreshold: 100,
    });
    expect(((await timed(b, 120, 'fail')) as Error).message).toBe('slow-fail');
    await ok(b);
    const s = b.snapshot();
    expect(s.failureRate).toBe(50);
    expect(s.slowCallRate).toBe(50);
    expect(b.state()).toBe('closed');
  });
});
