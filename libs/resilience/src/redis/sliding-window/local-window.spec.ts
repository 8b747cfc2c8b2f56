import { describe, expect, it } from '@jest/globals';
import { VirtualClock, flushMicrotasks } from '../../core/clock.js';
import { LOCAL_CHUNK, LocalWindow } from './local-window.js';

const spec = { limit: 4, windowMs: 1000, safetyMarginMs: 100 }; // span 1100 ms

describe('LocalWindow (virtual time)', () => {
  it('starts empty by default', () => {
    const w = new LocalWindow(spec, new VirtualClock());
    expect(w.counted()).toBe(0);
    expect(w.available()).toBe(4);
    expect(w.isEmpty()).toBe(true);
    expect(w.waitFor(4)).toBe(0);
  });

  it('starts full when asked: a whole limit counted now, free one span later', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock, true);
    expect(w.counted()).toBe(4);
    expect(w.available()).toBe(0);
    expect(w.take(1)).toBe(false);
    expect(w.waitFor(1)).toBe(1100);
    await clock.advance(1099);
    expect(w.take(1)).toBe(false);
    expect(w.waitFor(1)).toBe(1);
    await clock.advance(1);
    expect(w.isEmpty()).toBe(true);
    expect(w.take(4)).toBe(true);
  });

  it('admits up to its limit; each admission counts for windowMs + safetyMarginMs exactly', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    expect(w.take(3)).toBe(true);
    await clock.advance(500);
    expect(w.take(2)).toBe(false); // 3 + 2 > 4
    expect(w.take(1)).toBe(true);
    expect(w.available()).toBe(0);
    expect(w.waitFor(1)).toBe(600); // the 3 of t=0 leave at 1100
    await clock.advance(599);
    expect(w.counted()).toBe(4);
    await clock.advance(1);
    expect(w.counted()).toBe(1);
    expect(w.take(3)).toBe(true);
    await clock.advance(500); // t = 1600: the 1 of t=500 leaves
    expect(w.counted()).toBe(3);
  });

  it('waitFor counts the tokens queued ahead: each extra limit waits one more span', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    w.take(4);
    expect(w.waitFor(4)).toBe(1100);
    expect(w.waitFor(5)).toBe(2200);
    expect(w.waitFor(8)).toBe(2200);
    expect(w.waitFor(9)).toBe(3300);
  });

  it('tokensOf caps a caller at the limit', () => {
    const w = new LocalWindow(spec, new VirtualClock());
    expect(w.tokensOf(3)).toBe(3);
    expect(w.tokensOf(10)).toBe(4);
  });

  it('record counts tokens without a check (may go past the limit)', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    w.record(6);
    expect(w.counted()).toBe(6);
    expect(w.available()).toBe(-2);
    expect(w.take(1)).toBe(false);
    await clock.advance(1100);
    expect(w.counted()).toBe(0);
  });

  it('a refund takes from the oldest admissions and never below zero', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    w.take(1);
    await clock.advance(50);
    w.take(1);
    w.refund(1);
    expect(w.counted()).toBe(1);
    await clock.advance(1050); // t = 1100: the t=0 admission would leave now; the refund took it already
    expect(w.counted()).toBe(1); // the t=50 one still counts (stricter)
    await clock.advance(50);
    expect(w.counted()).toBe(0);
    w.take(2);
    w.refund(10);
    expect(w.counted()).toBe(0);
    expect(w.available()).toBe(4);
  });

  it('a pause admits nobody until it ends, never shortens, and resume ends it now', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    w.pauseUntil(clock.now() + 500);
    w.pauseUntil(clock.now() + 200); // earlier: ignored
    expect(w.take(1)).toBe(false);
    expect(w.waitFor(1)).toBe(500);
    await clock.advance(300);
    expect(w.waitFor(1)).toBe(200);
    w.resume();
    expect(w.waitFor(1)).toBe(0);
    expect(w.take(1)).toBe(true);
    w.pauseUntil(clock.now() + 100);
    await clock.advance(100);
    expect(w.take(1)).toBe(true); // a pause ends by itself too
  });

  it('a pause and a full window: the later of the two', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock, true);
    w.pauseUntil(clock.now() + 2000);
    expect(w.waitFor(1)).toBe(2000);
    w.resume();
    expect(w.waitFor(1)).toBe(1100);
  });

  it('one synchronous run admits at most LOCAL_CHUNK; the next run may admit again', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow({ limit: 100, windowMs: 1000, safetyMarginMs: 0 }, clock);
    expect(LOCAL_CHUNK).toBe(16);
    for (let i = 0; i < LOCAL_CHUNK - 1; i++) w.take(1);
    expect(w.runFull).toBe(false);
    w.take(1);
    expect(w.runFull).toBe(true);
    await flushMicrotasks();
    expect(w.runFull).toBe(false);
    expect(w.counted()).toBe(16);
  });

  it('setSpec changes limit and span for what is counted already', async () => {
    const clock = new VirtualClock();
    const w = new LocalWindow(spec, clock);
    w.take(4);
    w.setSpec({ limit: 6, windowMs: 200, safetyMarginMs: 0 });
    expect(w.available()).toBe(2);
    expect(w.take(2)).toBe(true);
    await clock.advance(200);
    expect(w.counted()).toBe(0);
  });
});
