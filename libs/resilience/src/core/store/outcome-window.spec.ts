import { describe, expect, it } from '@jest/globals';
import { OutcomeWindow } from './outcome-window.js';

const T0 = 1_700_000_000_000;

describe('OutcomeWindow (count)', () => {
  it('is empty at first and reports 0 rates', () => {
    const w = new OutcomeWindow({ type: 'count', size: 4 });
    expect(w.isEmpty(T0)).toBe(true);
    expect(w.calls(T0)).toBe(0);
    expect(w.failureRate(T0)).toBe(0);
    expect(w.slowRate(T0)).toBe(0);
  });

  it('counts calls, failures and slow calls until full', () => {
    const w = new OutcomeWindow({ type: 'count', size: 4 });
    w.add(T0, true, false);
    w.add(T0, false, true);
    w.add(T0, true, true);
    expect(w.calls(T0)).toBe(3);
    expect(w.failures(T0)).toBe(2);
    expect(w.failureRate(T0)).toBeCloseTo((2 / 3) * 100, 10);
    expect(w.slowRate(T0)).toBeCloseTo((2 / 3) * 100, 10);
    expect(w.isEmpty(T0)).toBe(false);
  });

  it('keeps only the last `size` outcomes (the oldest drop out)', () => {
    const w = new OutcomeWindow({ type: 'count', size: 3 });
    w.add(T0, true, true); // will drop out
    w.add(T0, true, false);
    w.add(T0, false, false);
    expect([w.calls(T0), w.failures(T0)]).toEqual([3, 2]);
    w.add(T0, false, false); // evicts the first (failed + slow)
    expect([w.calls(T0), w.failures(T0)]).toEqual([3, 1]);
    expect(w.slowRate(T0)).toBe(0);
    w.add(T0, false, false); // evicts the second (failed)
    expect([w.calls(T0), w.failures(T0), w.failureRate(T0)]).toEqual([3, 0, 0]);
    // Wrap around many times: counts stay exact.
    for (let i = 0; i < 100; i++) w.add(T0, i % 3 === 0, i % 2 === 0);
    // Last three i: 97 (ok, slow? no), 98 (ok, slow), 99 (failed, not slow).
    expect([w.calls(T0), w.failures(T0)]).toEqual([3, 1]);
    expect(w.slowRate(T0)).toBeCloseTo(100 / 3, 10);
  });

  it('ignores time', () => {
    const w = new OutcomeWindow({ type: 'count', size: 2 });
    w.add(T0, true, false);
    expect(w.calls(T0 + 10 * 365 * 86_400_000)).toBe(1);
  });

  it('clear() empties it', () => {
    const w = new OutcomeWindow({ type: 'count', size: 2 });
    w.add(T0, true, true);
    w.add(T0, true, true);
    w.clear();
    expect([w.calls(T0), w.failures(T0), w.slowRate(T0)]).toEqual([0, 0, 0]);
    w.add(T0, false, false);
    expect([w.calls(T0), w.failures(T0)]).toEqual([1, 0]);
    w.add(T0, true, false);
    w.add(T0, false, false); // evicts the first post-clear outcome, not stale data
    expect([w.calls(T0), w.failures(T0)]).toEqual([2, 1]);
  });
});

describe('OutcomeWindow (time)', () => {
  // 1000 ms window in 10 buckets of 100 ms. T0 is a multiple of 100.
  const spec = { type: 'time', durationMs: 1000 } as const;

  it('counts the calls of the window', () => {
    const w = new OutcomeWindow(spec);
    w.add(T0, true, false);
    w.add(T0 + 50, false, true);
    w.add(T0 + 450, false, false);
    expect(w.calls(T0 + 500)).toBe(3);
    expect(w.failures(T0 + 500)).toBe(1);
    expect(w.failureRate(T0 + 500)).toBeCloseTo(100 / 3, 10);
    expect(w.slowRate(T0 + 500)).toBeCloseTo(100 / 3, 10);
  });

  it('drops calls once they are older than the window (to bucket precision)', () => {
    const w = new OutcomeWindow(spec);
    w.add(T0, true, true); // bucket [T0, T0+100)
    w.add(T0 + 300, false, false); // bucket [T0+300, T0+400)
    expect(w.calls(T0 + 999)).toBe(2);
    // At T0+1000 the bucket of T0 is reused: the first call is gone.
    expect(w.calls(T0 + 1000)).toBe(1);
    expect(w.failures(T0 + 1000)).toBe(0);
    expect(w.slowRate(T0 + 1000)).toBe(0);
    expect(w.calls(T0 + 1299)).toBe(1);
    expect(w.calls(T0 + 1300)).toBe(0);
    expect(w.isEmpty(T0 + 1300)).toBe(true);
    expect(w.failureRate(T0 + 1300)).toBe(0);
  });

  it('empties completely after a long pause, and counts again afterwards', () => {
    const w = new OutcomeWindow(spec);
    for (let i = 0; i < 10; i++) w.add(T0 + i * 100, true, false);
    expect(w.calls(T0 + 950)).toBe(10);
    expect(w.calls(T0 + 60_000)).toBe(0);
    w.add(T0 + 60_000, true, false);
    w.add(T0 + 60_010, false, false);
    expect(w.calls(T0 + 60_020)).toBe(2);
    expect(w.failureRate(T0 + 60_020)).toBe(50);
  });

  it('slides bucket by bucket', () => {
    const w = new OutcomeWindow(spec);
    for (let i = 0; i < 10; i++) w.add(T0 + i * 100, i < 5, false);
    expect([w.calls(T0 + 900), w.failures(T0 + 900)]).toEqual([10, 5]);
    // Each further 100 ms drops the oldest bucket: the five failures go first.
    expect([w.calls(T0 + 1000), w.failures(T0 + 1000)]).toEqual([9, 4]);
    expect([w.calls(T0 + 1400), w.failures(T0 + 1400)]).toEqual([5, 0]);
    expect([w.calls(T0 + 1900), w.failures(T0 + 1900)]).toEqual([0, 0]);
  });

  it('clear() empties it', () => {
    const w = new OutcomeWindow(spec);
    w.add(T0, true, true);
    w.clear();
    expect([w.calls(T0), w.failures(T0), w.slowRate(T0)]).toEqual([0, 0, 0]);
    w.add(T0 + 10, true, false);
    expect([w.calls(T0 + 10), w.failures(T0 + 10)]).toEqual([1, 1]);
  });
});
