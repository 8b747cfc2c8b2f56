import { describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock, type RandomSource } from '../clock.js';
import { ResilienceConfigError } from '../errors/index.js';
import { backoffDelay } from './backoff.js';
import type { Jitter } from './retry.options.js';
import { normalizeRetryOptions } from './retry.normalize.js';
import { RetryPolicy } from './retry.policy.js';

const opts = (jitter: Jitter, extra: { baseDelayMs?: number; backoffFactor?: number; maxDelayMs?: number } = {}) =>
  normalizeRetryOptions({ baseDelayMs: 100, backoffFactor: 2, maxDelayMs: 1_000, jitter, ...extra });

const never: RandomSource = () => {
  throw new Error('random() must not be drawn for jitter none');
};

/** Nominal delay d for retry n with baseDelayMs 100, factor 2, maxDelayMs 1000. */
const nominal = (n: number) => Math.min(1_000, 100 * 2 ** (n - 1));

describe('backoffDelay', () => {
  it("jitter 'none': exactly baseDelayMs × factor^(n−1), capped at maxDelayMs, without drawing randomness", () => {
    const o = opts('none');
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(o, n, never))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000, 1000,
    ]);
  });

  it('factor 1 gives a constant delay; baseDelayMs 0 gives 0', () => {
    expect([1, 2, 5].map((n) => backoffDelay(opts('none', { backoffFactor: 1 }), n, never))).toEqual([100, 100, 100]);
    expect(backoffDelay(opts('none', { baseDelayMs: 0 }), 3, never)).toBe(0);
  });

  it('never overflows to Infinity/NaN for huge retry numbers', () => {
    expect(backoffDelay(opts('none'), 10_000, never)).toBe(1000);
    expect(backoffDelay(opts('full'), 10_000, () => 0.5)).toBe(500);
  });

  it("jitter 'full': U[0, d] (random 0 → 0, random → 1 → d)", () => {
    const o = opts('full');
    expect(backoffDelay(o, 3, () => 0)).toBe(0);
    expect(backoffDelay(o, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(o, 3, () => 0.999999)).toBeCloseTo(400, 3);
  });

  it("jitter 'equal': U[d/2, d]", () => {
    const o = opts('equal');
    expect(backoffDelay(o, 3, () => 0)).toBe(200);
    expect(backoffDelay(o, 3, () => 0.5)).toBe(300);
    expect(backoffDelay(o, 3, () => 0.999999)).toBeCloseTo(400, 3);
  });

  it('proportional jitter x: U[d(1−x), d(1+x)], capped at maxDelayMs after jitter', () => {
    const o = opts(0.25);
    expect(backoffDelay(o, 3, () => 0)).toBe(300);
    expect(backoffDelay(o, 3, () => 0.5)).toBe(400);
    expect(backoffDelay(o, 3, () => 0.999999)).toBeCloseTo(500, 3);
    // d = 1000 = maxDelayMs: the upper half is capped.
    expect(backoffDelay(o, 5, () => 0)).toBe(750);
    expect(backoffDelay(o, 5, () => 0.9)).toBe(1000);
    // x = 1: U[0, 2d].
    expect(backoffDelay(opts(1), 2, () => 0)).toBe(0);
    expect(backoffDelay(opts(1), 2, () => 0.75)).toBe(300);
  });

  describe('over many seeded draws, every delay is within its documented bounds and the range is used', () => {
    const cases: { jitter: Jitter; lo: (d: number) => number; hi: (d: number) => number }[] = [
      { jitter: 'full', lo: () => 0, hi: (d) => d },
      { jitter: 'equal', lo: (d) => d / 2, hi: (d) => d },
      { jitter: 0.2, lo: (d) => d * 0.8, hi: (d) => Math.min(1000, d * 1.2) },
      { jitter: 0.5, lo: (d) => d * 0.5, hi: (d) => Math.min(1000, d * 1.5) },
      { jitter: 1, lo: () => 0, hi: (d) => Math.min(1000, d * 2) },
    ];
    for (const c of cases) {
      it(`jitter ${String(c.jitter)}`, () => {
        const o = opts(c.jitter);
        const random = seededRandom(1234);
        for (let n = 1; n <= 6; n++) {
          const d = nominal(n);
          const lo = c.lo(d);
          const hi = c.hi(d);
          let min = Infinity;
          let max = -Infinity;
          const out: number[] = [];
          for (let i = 0; i < 2_000; i++) {
            const v = backoffDelay(o, n, random);
            if (!(v >= lo && v <= hi)) out.push(v);
            if (v < min) min = v;
            if (v > max) max = v;
          }
          expect({ n, out }).toEqual({ n, out: [] });
          // The draws really spread over the interval (jitter is not silently ignored).
          const span = hi - lo;
          expect(min).toBeLessThan(lo + span * 0.05);
          expect(max).toBeGreaterThan(hi - span * 0.05);
        }
      });
    }
  });

  it('with seededRandom the sequence is deterministic and is exactly the documented formula', () => {
    const seq = (jitter: Jitter, seed: number) => {
      const r = seededRandom(seed);
      return [1, 2, 3, 4, 5].map((n) => backoffDelay(opts(jitter), n, r));
    };
    expect(seq('full', 9)).toEqual(seq('full', 9));
    expect(seq('full', 9)).not.toEqual(seq('full', 10));

    const r = seededRandom(9);
    expect(seq('full', 9)).toEqual([1, 2, 3, 4, 5].map((n) => nominal(n) * r()));
    const r2 = seededRandom(9);
    expect(seq('equal', 9)).toEqual([1, 2, 3, 4, 5].map((n) => nominal(n) / 2 + (nominal(n) * r2()) / 2));
    const r3 = seededRandom(9);
    expect(seq(0.3, 9)).toEqual([1, 2, 3, 4, 5].map((n) => Math.min(1000, nominal(n) * (0.7 + 0.6 * r3()))));
  });
});

describe('a random source that returns a value outside [0, 1)', () => {
  const bad = [NaN, 1, 2, -1, -0.5, Infinity, '0.5' as unknown as number];

  it.each(['full', 'equal', 0.5] as const)(
    'jitter %s: each draw is checked, the error names random and the value',
    (jitter) => {
      for (const value of bad) {
        let thrown: unknown;
        try {
          backoffDelay(opts(jitter), 2, () => value);
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(ResilienceConfigError);
        expect(thrown).toMatchObject({ path: 'random', value });
        expect((thrown as Error).message).toContain('a number in [0, 1)');
      }
      // The interval's ends: 0 is valid, the largest double below 1 too.
      expect(Number.isFinite(backoffDelay(opts(jitter), 2, () => 0))).toBe(true);
      expect(Number.isFinite(backoffDelay(opts(jitter), 2, () => 1 - Number.EPSILON / 2))).toBe(true);
    },
  );

  it.each([NaN, 2, -1])(
    'random %p: a jittered retry fails the call with ResilienceConfigError on the first retry (no hang, no silently skipped retry)',
    async (value) => {
      const clock = new VirtualClock(0);
      const retry = RetryPolicy.create(
        'bad-random',
        { maxRetries: 2, baseDelayMs: 1000, jitter: 'full', retryOn: () => true },
        { clock, random: () => value },
      );
      let attempts = 0;
      const settled = retry
        .execute(() => {
          attempts++;
          throw new Error('transient');
        })
        .then(
          () => 'resolved',
          (error: unknown) => error,
        );
      await clock.runAll(60_000);
      const error = await settled;
      expect(error).toBeInstanceOf(ResilienceConfigError);
      expect({ path: (error as ResilienceConfigError).path, attempts, pending: clock.pendingTimers() }).toEqual({
        path: 'random',
        attempts: 1,
        pending: 0,
      });
    },
  );

  it("jitter 'none' never draws, so any random source is accepted", () => {
    expect(backoffDelay(opts('none'), 2, () => NaN)).toBe(200);
  });
});
