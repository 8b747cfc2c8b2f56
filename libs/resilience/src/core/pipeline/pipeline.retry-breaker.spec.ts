import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CircuitBreakerOpenError, RateLimiterRejectedError } from '../errors/index.js';
import { createPipeline } from './pipeline.js';
import {
  breakerP,
  checkPipelineHarness,
  clock,
  drive,
  events,
  failing,
  limiterP,
  NotFoundError,
  resetPipelineHarness,
  retryP,
  starts,
  T0,
  TransientError,
} from './testing-support/pipeline-harness.js';

beforeEach(resetPipelineHarness);
afterEach(checkPipelineHarness);

describe('createPipeline: retry ▸ breaker (every attempt counts)', () => {
  it('failureThreshold 3 + 5 retries → exactly 3 calls, then CircuitBreakerOpenError beyond maxRetryAfterMs', async () => {
    const breaker = breakerP({ failureThreshold: 3, recoveryTimeMs: 30_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5, maxRetryAfterMs: 10_000 }), breaker, clock });
    const s = await drive(run, failing([], new TransientError('down')));
    expect(starts).toEqual([0, 100, 300]);
    expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    const e = s.error as CircuitBreakerOpenError;
    expect(e.policy).toBe('b');
    expect(e.state).toBe('open');
    // The breaker opened at t=300; the 4th attempt came at t=700 (after the 400 ms backoff):
    // the hint is the time left until recovery, recoveryTimeMs − 400, which exceeds maxRetryAfterMs.
    expect(e.retryAfterMs).toBe(29_600);
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200, 400]);
    const snap = breaker.snapshot();
    expect(snap.state).toBe('open');
    expect(snap.failures).toBe(3);
    expect(snap.rejections).toBe(1);
    expect(snap.openedAt).toBe(T0 + 300);
  });

  it("an open breaker's hint within maxRetryAfterMs is waited exactly; the half-open trial then succeeds", async () => {
    const breaker = breakerP({ failureThreshold: 3, recoveryTimeMs: 5_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), breaker, clock });
    const s = await drive(run, failing([1, 2, 3].map((i) => new TransientError(`e${i}`))));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@3' });
    // Opened at 300; rejected at 700 with 4600 ms left (> backoff 800) → trial at 5300.
    expect(starts).toEqual([0, 100, 300, 5_300]);
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200, 400, 4_600]);
    expect(events[3]!.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(breaker.state()).toBe('closed');
    expect(breaker.snapshot()).toMatchObject({ failures: 3, successes: 1, rejections: 1 });
  });

  it('calls refused by an open breaker never reach fn and do not count as failures', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    const run = createPipeline({ breaker, clock });
    await drive(run, failing([], new TransientError('down')));
    for (let i = 0; i < 3; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    }
    expect(starts).toEqual([0]);
    expect(breaker.snapshot()).toMatchObject({ failures: 1, rejections: 3, state: 'open' });
  });

  it('the breaker is outside the limiter: calls refused by an open breaker take no token', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 10_000 });
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    const first = await drive(run, failing([], new TransientError('down')));
    expect(first.error).toBeInstanceOf(TransientError);
    for (let i = 0; i < 5; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(CircuitBreakerOpenError);
    }
    expect(starts).toEqual([0]);
    expect(limiter.snapshot().available).toBe(1);
    expect(breaker.snapshot()).toMatchObject({ failures: 1, rejections: 5 });
  });

  it('a call refused by the limiter after the breaker admitted it is not a breaker failure', async () => {
    const breaker = breakerP({ failureThreshold: 2 });
    const limiter = limiterP({ rate: 1, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    const first = await drive(run, failing([], new TransientError('down')));
    expect(first.error).toBeInstanceOf(TransientError);
    for (let i = 0; i < 3; i++) {
      const s = await drive(run, failing([], new Error('must not run')));
      expect(s.error).toBeInstanceOf(RateLimiterRejectedError);
    }
    expect(starts).toEqual([0]);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 1, failureCount: 1 });
  });

  it('a limiter refusal of a half-open trial releases the trial slot', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 1_000, halfOpenMaxCalls: 1 });
    const limiter = limiterP({ rate: 1, periodMs: 10_000, mode: 'reject' });
    const run = createPipeline({ breaker, limiter, clock });
    await drive(run, failing([], new TransientError('down')));
    expect(breaker.state()).toBe('open');
    await clock.advance(1_000);
    const refused = await drive(run, failing([], new Error('must not run')));
    expect(refused.error).toBeInstanceOf(RateLimiterRejectedError);
    expect(breaker.state()).toBe('half_open');
    // The slot is free again: a call through the breaker alone is admitted as the trial.
    const trial = await drive(createPipeline({ breaker, clock }), async () => 'trial ok');
    expect(trial).toEqual({ state: 'fulfilled', value: 'trial ok' });
    expect(breaker.state()).toBe('closed');
    expect(starts).toEqual([0]);
  });

  it('an excluded error releases a half-open trial slot and counts nothing', async () => {
    const breaker = breakerP({
      failureThreshold: 1,
      recoveryTimeMs: 1_000,
      halfOpenMaxCalls: 1,
      excludeOn: [NotFoundError],
    });
    const run = createPipeline({ breaker, clock });
    await drive(run, failing([], new TransientError('down')));
    await clock.advance(1_000);
    const nf = new NotFoundError('404');
    const excluded = await drive(run, failing([], nf));
    expect(excluded.error).toBe(nf);
    expect(breaker.state()).toBe('half_open');
    expect(breaker.snapshot().failures).toBe(1);
    // Not "half-open with all trial calls in flight": the slot was released.
    const next = await drive(run, async () => 'ok');
    expect(next).toEqual({ state: 'fulfilled', value: 'ok' });
    expect(breaker.state()).toBe('closed');
  });

  it('excluded errors do not count while closed, even when retried', async () => {
    const breaker = breakerP({ failureThreshold: 2, excludeOn: [NotFoundError] });
    const run = createPipeline({ retry: retryP({ maxRetries: 3, retryOn: [NotFoundError] }), breaker, clock });
    const s = await drive(run, failing([], new NotFoundError('404')));
    expect(s.error).toBeInstanceOf(NotFoundError);
    expect(starts).toHaveLength(4);
    expect(breaker.snapshot()).toMatchObject({ state: 'closed', failures: 0, failureCount: 0 });
  });

  it('a non-retryable error is not retried but still counts as a breaker failure', async () => {
    const breaker = breakerP({ failureThreshold: 2 });
    const run = createPipeline({ retry: retryP({ maxRetries: 3 }), breaker, clock });
    const err = new Error('plain');
    const s = await drive(run, failing([], err));
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(breaker.snapshot().failureCount).toBe(1);
  });
});
