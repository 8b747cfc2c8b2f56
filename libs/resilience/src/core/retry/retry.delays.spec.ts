import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock } from '../clock.js';
import { RetryPolicy } from './retry.policy.js';
import { observe } from '../testing-support/observe.js';
import {
  checkRetryHarness,
  clock,
  events,
  failing,
  make,
  resetRetryHarness,
  starts,
  T0,
  TransientError,
} from './testing-support/retry-harness.js';

beforeEach(resetRetryHarness);
afterEach(checkRetryHarness);

describe('RetryPolicy: delays', () => {
  it("jitter 'none': onRetry reports 100, 200, 400, then maxDelayMs", async () => {
    const errors = [1, 2, 3, 4, 5].map((i) => new TransientError(`e${i}`));
    const s = observe(make({ maxRetries: 5, backoffFactor: 2, maxDelayMs: 500 }).execute(failing(errors)));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@5' });
    expect(events).toEqual([
      { type: 'retry.scheduled', policy: 'r', attempt: 1, retry: 1, delayMs: 100, error: errors[0] },
      { type: 'retry.scheduled', policy: 'r', attempt: 2, retry: 2, delayMs: 200, error: errors[1] },
      { type: 'retry.scheduled', policy: 'r', attempt: 3, retry: 3, delayMs: 400, error: errors[2] },
      { type: 'retry.scheduled', policy: 'r', attempt: 4, retry: 4, delayMs: 500, error: errors[3] },
      { type: 'retry.scheduled', policy: 'r', attempt: 5, retry: 5, delayMs: 500, error: errors[4] },
    ]);
    expect(starts).toEqual([0, 100, 300, 700, 1200, 1700]);
  });

  it('the next attempt does not start 1 ms before its delay, and does start at it', async () => {
    const s = observe(make({ maxRetries: 3 }).execute(failing([], new TransientError('t'))));
    await clock.advance(0);
    expect(starts).toEqual([0]);
    for (const [delay, n] of [
      [100, 2],
      [200, 3],
      [400, 4],
    ] as const) {
      expect(clock.pendingTimers()).toBe(1);
      await clock.advance(delay - 1);
      expect(starts).toHaveLength(n - 1);
      await clock.advance(1);
      expect(starts).toHaveLength(n);
    }
    expect(starts).toEqual([0, 100, 300, 700]);
    await clock.advance(0);
    expect(s.state).toBe('rejected');
  });

  it('time spent inside an attempt does not shorten the next wait', async () => {
    const s = observe(
      make({ maxRetries: 1 }).execute(async ({ attempt }) => {
        starts.push(clock.now() - T0);
        await new Promise<void>((r) => clock.setTimeout(r, 30));
        if (attempt === 1) throw new TransientError('slow failure');
        return 'done';
      }),
    );
    await clock.runAll();
    expect(s.value).toBe('done');
    expect(starts).toEqual([0, 130]);
  });

  it('jittered delays (full, equal, proportional) stay within bounds over many seeded draws', () => {
    const err = new TransientError('t');
    const bounds = {
      full: (d: number) => [0, d],
      equal: (d: number) => [d / 2, d],
      0.3: (d: number) => [d * 0.7, Math.min(2_000, d * 1.3)],
    } as const;
    for (const jitter of ['full', 'equal', 0.3] as const) {
      const p = RetryPolicy.create(
        'j',
        { jitter, baseDelayMs: 100, maxDelayMs: 2_000, maxRetries: 10 },
        { clock, random: seededRandom(99) },
      );
      const bad: unknown[] = [];
      for (let i = 0; i < 1_000; i++) {
        for (let n = 1; n <= 6; n++) {
          const d = Math.min(2_000, 100 * 2 ** (n - 1));
          const [lo, hi] = bounds[jitter](d);
          const v = p.nextDelay(err, n, 0);
          if (!(v >= lo! && v <= hi!)) bad.push({ jitter, n, v });
        }
      }
      expect(bad).toEqual([]);
    }
  });

  it('with seededRandom the delays (and attempt times) are deterministic', async () => {
    const runOnce = async (seed: number) => {
      resetRetryHarness();
      const s = observe(
        make({ maxRetries: 4, jitter: 'full' }, seededRandom(seed)).execute(failing([], new TransientError('t'))),
      );
      await clock.runAll();
      expect(s.state).toBe('rejected');
      return { delays: events.map((e) => e.delayMs), starts: starts.slice() };
    };
    const a = await runOnce(2024);
    const b = await runOnce(2024);
    const c = await runOnce(2025);
    expect(a).toEqual(b);
    expect(a.delays).not.toEqual(c.delays);
    const r = seededRandom(2024);
    expect(a.delays).toEqual([100, 200, 400, 800].map((d) => d * r()));
    // Each attempt starts when its wait ends (float rounding of epoch-sized clock values aside).
    let t = 0;
    const expected = [0, ...a.delays.map((d) => (t += d))];
    expect(a.starts).toHaveLength(5);
    a.starts.forEach((s, i) => expect(Math.abs(s - expected[i]!)).toBeLessThan(0.001));
  });
});

describe('RetryPolicy: sleep never ends early', () => {
  it('re-arms when the timer fires before the delay has passed on the clock (Node timers run on whole-ms loop time)', async () => {
    const base = new VirtualClock();
    // A clock whose timers fire 0.6 ms early, as Node's may against performance.now().
    const early = {
      now: () => base.now(),
      setTimeout: (fn: () => void, ms: number) => base.setTimeout(fn, ms - 0.6),
      clearTimeout: (h: unknown) => base.clearTimeout(h),
    };
    const p = RetryPolicy.create('early', { maxRetries: 1 }, { clock: early });
    const t0 = base.now();
    let doneAt = -1;
    const s = p.sleep(100).then(() => (doneAt = base.now() - t0));
    await base.runAll();
    await s;
    expect(doneAt).toBeGreaterThanOrEqual(100);
  });
});
