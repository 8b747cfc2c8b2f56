import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  checkBreakerHarness,
  clock,
  fail,
  make,
  ok,
  openError,
  resetBreakerHarness,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — no timers', () => {
  it('schedules no timer in any state', async () => {
    const b = make({ failureThreshold: 2, recoveryTimeMs: 500, halfOpenMaxCalls: 2, successThreshold: 2 });
    const p = make({
      failureRateThreshold: 50,
      slidingWindow: { type: 'time', durationMs: 1_000 },
      minimumCalls: 2,
      partitionKey: (k: string) => k,
    });
    for (let round = 0; round < 3; round++) {
      await fail(b);
      await fail(b);
      expect(clock.pendingTimers()).toBe(0);
      await openError(fail(b));
      await clock.advance(500);
      await ok(b);
      await ok(b);
      await fail(p, new Error('x'), ['k']);
      await fail(p, new Error('x'), ['k']);
      await openError(fail(p, new Error('x'), ['k']));
      expect(clock.pendingTimers()).toBe(0);
    }
    b.forceOpen();
    b.disable();
    b.reset();
    expect(clock.pendingTimers()).toBe(0);
  });
});
