import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { observe } from '../testing-support/observe.js';
import {
  checkRetryHarness,
  clearEvents,
  clearStarts,
  clock,
  events,
  failing,
  HintError,
  make,
  markT0,
  resetRetryHarness,
  starts,
  T0,
  TransientError,
} from './testing-support/retry-harness.js';

beforeEach(resetRetryHarness);
afterEach(checkRetryHarness);

describe('RetryPolicy: Retry-After hints', () => {
  it('a hint larger than the backoff is waited exactly', async () => {
    const err = new HintError(5_000);
    const s = observe(make({ maxRetries: 1 }).execute(failing([err])));
    await clock.advance(0);
    expect(events).toEqual([
      { type: 'retry.scheduled', policy: 'r', attempt: 1, retry: 1, delayMs: 5_000, error: err },
    ]);
    await clock.advance(4_999);
    expect(starts).toEqual([0]);
    await clock.advance(1);
    expect(starts).toEqual([0, 5_000]);
    await clock.advance(0);
    expect(s.value).toBe('ok@1');
  });

  it('a hint smaller than the backoff does not shorten it', async () => {
    const s = observe(make({ maxRetries: 1, baseDelayMs: 300 }).execute(failing([new HintError(50)])));
    await clock.runAll();
    expect(s.value).toBe('ok@1');
    expect(events.map((e) => e.delayMs)).toEqual([300]);
    expect(starts).toEqual([0, 300]);
  });

  it('a hint of exactly maxRetryAfterMs is honoured; 1 ms more gives up at once (1 call, no timer)', async () => {
    const s1 = observe(make({ maxRetries: 3, maxRetryAfterMs: 2_000 }).execute(failing([new HintError(2_000)])));
    await clock.runAll();
    expect(s1.value).toBe('ok@1');
    expect(starts).toEqual([0, 2_000]);

    clearStarts();
    markT0();
    clearEvents();
    const err = new HintError(2_001);
    const s2 = observe(make({ maxRetries: 3, maxRetryAfterMs: 2_000 }).execute(failing([err])));
    await clock.advance(0);
    expect(s2.state).toBe('rejected');
    expect(s2.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('the default maxRetryAfterMs is 60 s', async () => {
    const s = observe(make({ maxRetries: 3 }).execute(failing([new HintError(60_001)])));
    await clock.advance(0);
    expect(s.state).toBe('rejected');
    expect(starts).toEqual([0]);
  });

  it('a hint on a non-retryable error does not make it retryable', async () => {
    const err = Object.assign(new Error('bad request'), { status: 400, retryAfterMs: 10 });
    const s = observe(make({ maxRetries: 3 }).execute(failing([], err)));
    await clock.runAll();
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
  });

  it('invalid hints (negative, NaN, strings) are ignored: the backoff applies', async () => {
    for (const hint of [-5, NaN, '9000', Infinity]) {
      const err = Object.assign(new TransientError('t'), { retryAfterMs: hint });
      expect(make({ maxRetries: 1 }).nextDelay(err, 1, 0)).toBe(100);
    }
  });
});

describe('RetryPolicy: maxElapsedMs', () => {
  it('a wait that would pass the deadline is not started', async () => {
    // Attempts at 0, 100, 300; the next wait (400) would end at 700 > 650.
    const err = new TransientError('t');
    const s = observe(make({ maxRetries: 10, maxElapsedMs: 650 }).execute(failing([], err)));
    await clock.advance(300);
    expect(starts).toEqual([0, 100, 300]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(err);
    expect(events.map((e) => e.delayMs)).toEqual([100, 200]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a wait ending exactly at the deadline is allowed', async () => {
    const s = observe(make({ maxRetries: 10, maxElapsedMs: 700 }).execute(failing([], new TransientError('t'))));
    await clock.runAll();
    expect(starts).toEqual([0, 100, 300, 700]);
    expect(s.state).toBe('rejected');
  });

  it('counts the time spent in attempts, and applies to Retry-After hints', async () => {
    const p = make({ maxRetries: 10, maxElapsedMs: 1_000 });
    expect(p.tracksElapsed).toBe(true);
    expect(make({}).tracksElapsed).toBe(false);
    const s = observe(
      p.execute(async () => {
        starts.push(clock.now() - T0);
        await new Promise<void>((r) => clock.setTimeout(r, 350));
        throw new TransientError('slow');
      }),
    );
    // 0..350 fail, wait 100 → 450..800 fail, next wait 200 → 1000 ≤ 1000 ok → 1000..1350 fail, 1350+400 > 1000: stop.
    await clock.runAll();
    expect(starts).toEqual([0, 450, 1_000]);
    expect(s.state).toBe('rejected');

    expect(p.nextDelay(new HintError(800), 1, 300)).toBe(-1);
    expect(p.nextDelay(new HintError(700), 1, 300)).toBe(700);
  });
});

describe('RetryPolicy: hints and the deadline together', () => {
  it('a hint that would pass maxElapsedMs gives up at once with the original error (no wait, no timer)', async () => {
    // First failure: hint 300 fits (0 + 300 ≤ 500). Second failure at 300: hint 300 → 600 > 500.
    const errors = [new HintError(300), new HintError(300)];
    const s = observe(make({ maxRetries: 5, maxElapsedMs: 500 }).execute(failing(errors)));
    await clock.advance(300);
    expect(starts).toEqual([0, 300]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(errors[1]);
    expect(events.map((e) => e.delayMs)).toEqual([300]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
