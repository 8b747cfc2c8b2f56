import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  checkBreakerHarness,
  clock,
  deferred,
  fail,
  make,
  ok,
  openError,
  resetBreakerHarness,
  T0,
  timed,
} from './testing-support/breaker-harness.js';

beforeEach(resetBreakerHarness);
afterEach(checkBreakerHarness);

describe('CircuitBreakerPolicy — open → half-open', () => {
  it('a throwing failOn / excludeOn predicate counts the error as a failure and never leaks a trial slot', async () => {
    const b = make({
      failureThreshold: 2,
      recoveryTimeMs: 1_000,
      failOn: (e) => (e as { code: { length: number } }).code.length > 0, // throws on errors without `code`
    });
    const boom = new Error('boom');
    expect(await fail(b, boom)).toBe(boom);
    expect(b.snapshot().failureCount).toBe(1);
    await fail(b);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    // The trial fails through the throwing predicate: re-opened, not stuck half-open.
    expect(await fail(b, boom)).toBe(boom);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    expect(await ok(b)).toBe('ok');
    expect(b.state()).toBe('closed');
  });

  it('a trial failure re-opens for the full recoveryTimeMs, from the time of the failure', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    await fail(b);
    await clock.advance(10_000);
    const gate = deferred<string>();
    const trial = b.execute(() => gate.promise).catch((e: unknown) => e);
    await clock.advance(700);
    gate.reject(new Error('trial failed'));
    expect(((await trial) as Error).message).toBe('trial failed');
    const failedAt = T0 + 10_700;
    expect(b.state()).toBe('open');
    let s = b.snapshot();
    expect(s.openedAt).toBe(failedAt);
    expect(s.retryAfterMs).toBe(10_000);
    expect((await openError(fail(b))).retryAfterMs).toBe(10_000);
    await clock.advance(9_999);
    expect(b.state()).toBe('open');
    expect((await openError(fail(b))).retryAfterMs).toBe(1);
    await clock.advance(1);
    expect(b.state()).toBe('half_open');
    s = b.snapshot();
    expect(s.openedAt).toBe(failedAt);
  });

  it('a slow trial success re-opens', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, slowCallDurationMs: 100 });
    await fail(b);
    await clock.advance(1_000);
    expect(await timed(b, 150)).toBe('slow-ok');
    expect(b.state()).toBe('open');
    expect(b.snapshot().openedAt).toBe(T0 + 1_150);
  });

  it('successThreshold > 1 needs that many trial successes to close', async () => {
    const b = make({ failureThreshold: 1, recoveryTimeMs: 1_000, successThreshold: 3 });
    await fail(b);
    await clock.advance(1_000);
    await ok(b);
    expect(b.state()).toBe('half_open');
    await ok(b);
    expect(b.state()).toBe('half_open');
    // A failure in between starts over.
    await fail(b);
    expect(b.state()).toBe('open');
    await clock.advance(1_000);
    await ok(b);
    await ok(b);
    expect(b.state()).toBe('half_open');
    await ok(b);
    expect(b.state()).toBe('closed');
    expect(b.snapshot().openedAt).toBeUndefined();
  });
});
