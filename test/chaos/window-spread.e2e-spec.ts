import { describe, expect, it } from '@jest/globals';
import { maxInWindow } from './chaos-checks.js';
import { maxInSteadyWindow } from './window-spread.js';

describe('maxInSteadyWindow', () => {
  it('counts a window above the bound when its delays spread no wider than the margin', () => {
    // Three arrivals within 20 ms, delays 1, 3, 2: spread 2.
    const r = maxInSteadyWindow([0, 10, 20, 1000], [1, 3, 2, 50], 20, 5);
    expect(r).toMatchObject({ max: 3, at: 0, excluded: 0, maxAny: 3 });
    expect(r.widestSpreadMs).toBe(2);
  });

  it('leaves out (and counts) a window whose delays spread wider than the margin', () => {
    // The window at 0 holds delays 1 and 40 (spread 39): outside the promise.
    const r = maxInSteadyWindow([0, 10, 20], [1, 40, 40], 20, 5);
    expect(r).toMatchObject({ max: 2, at: 10, excluded: 1, maxAny: 3, widestSpreadMs: 39 });
  });

  it('with no limit on the spread it is maxInWindow, in any order of arrivals', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const arrivals = Array.from({ length: 2000 }, () => rand() * 5000);
    const delays = arrivals.map(() => rand() * 100);
    for (const w of [20, 100, 1000]) {
      const r = maxInSteadyWindow(arrivals, delays, w, Infinity);
      expect({ max: r.max, at: r.at, excluded: r.excluded }).toEqual({ ...maxInWindow(arrivals, w), excluded: 0 });
      expect(r.maxAny).toBe(r.max);
    }
  });

  it('the spread is of the window it starts, not of earlier ones (the deques drop what left)', () => {
    // The window at 0 holds delays 90 and 1; the one at 50 no longer holds the 90: its spread is 1.
    const r = maxInSteadyWindow([0, 50, 60, 70], [90, 1, 2, 1], 50, 5);
    expect(r).toMatchObject({ max: 3, at: 50, excluded: 1 });
  });
});
