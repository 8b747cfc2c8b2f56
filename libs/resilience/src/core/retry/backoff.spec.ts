import { describe, expect, it } from '@jest/globals';
import { seededRandom, type RandomSource } from '../clock.js';
import { backoffDelay } from './backoff.js';
import type { Jitter } from './retry.options.js';
import { normalizeRetryOptions } from './retry.normalize.js';

const opts = (jitter: Jitter, extra: { baseDelay?: number; backoffFactor?: number; maxDelay?: number } = {}) =>
  normalizeRetryOptions({ baseDelay: 100, backoffFactor: 2, maxDelay: 1_000, jitter, ...extra });

const never: RandomSource = () => {
  throw new Error('random() must not be drawn for jitter none');
};

/** Nominal delay d for retry n with baseDelay 100, factor 2, maxDelay 1000. */
const nominal = (n: number) => Math.min(1_000, 100 * 2 ** (n - 1));

describe('backoffDelay', () => {
  it("jitter 'none': exactly baseDelay × factor^(n−1), capped at maxDelay, without drawing randomness", () => {
    const o = opts('none');
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(o, n, never))).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('factor 1 gives a constant delay; baseDelay 0 gives 0', () => {
    expect([1, 2, 5].map((n) => backoffDelay(opts('none', { backoffFactor: 1 }), n, never))).toEqual([100, 100, 100]);
    expect(backoffDelay(opts('none', { baseDelay: 0 }), 3, never)).toBe(0);
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

  it('proportional jitter x: U[d(1−x), d(1+x)], capped at maxDelay after jitter', () => {
    const o = opts(0.25);
    expect(backoffDelay(o, 3, () => 0)).toBe(300);
    expect(backoffDelay(o, 3, () => 0.5)).toBe(400);
    expect(backoffDelay(o, 3, () => 0.999999)).toBeCloseTo(500, 3);
    // d = 1000 = maxDelay: the upper half is capped.
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
