import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { LocalShare, shareSpec } from './local-share.js';

// Complements local-share.spec.ts with the exact values of each documented rule.
const spec = { rate: 10, periodMs: 1000, burst: 10 }; // one token per 100 ms

describe('shareSpec', () => {
  it('divides rate and burst by the replicas, keeps the period', () => {
    expect(shareSpec({ rate: 90, periodMs: 60_000, burst: 30 }, 3)).toEqual({ rate: 30, periodMs: 60_000, burst: 10 });
  });

  it('keeps at least one token of burst, or the whole burst when it is below one', () => {
    expect(shareSpec({ rate: 4, periodMs: 1000, burst: 2 }, 4).burst).toBe(1);
    expect(shareSpec({ rate: 4, periodMs: 1000, burst: 0.5 }, 4).burst).toBe(0.5);
    expect(shareSpec({ rate: 4, periodMs: 1000, burst: 8 }, 4).burst).toBe(2);
  });
});

describe('LocalShare rules (virtual time)', () => {
  it('starts empty however long ago the spec was made, and refills from construction', async () => {
    const clock = new VirtualClock();
    await clock.advance(60_000);
    const share = new LocalShare(spec, clock);
    expect(share.available()).toBe(0);
    expect(share.waitFor(3)).toBe(300);
    await clock.advance(250);
    expect(share.available()).toBeCloseTo(2.5, 9);
    expect(share.take(3)).toBe(false);
    expect(share.waitFor(3)).toBeCloseTo(50, 9);
    await clock.advance(50);
    expect(share.take(3)).toBe(true);
    expect(share.available()).toBeCloseTo(0, 9);
  });

  it('refill stops at burst; isFull only then', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    await clock.advance(999);
    expect(share.isFull()).toBe(false);
    await clock.advance(1);
    expect(share.isFull()).toBe(true);
    await clock.advance(5000);
    expect(share.available()).toBe(10);
    expect(share.waitFor(10)).toBe(0);
  });

  it('a refund is capped at burst', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    await clock.advance(500);
    share.refund(3);
    expect(share.available()).toBeCloseTo(8, 9);
    share.refund(100);
    expect(share.available()).toBe(10);
  });

  it('tokensOf caps a caller at the burst', () => {
    const share = new LocalShare(spec, new VirtualClock());
    expect(share.tokensOf(4)).toBe(4);
    expect(share.tokensOf(25)).toBe(10);
  });

  it('a pause empties a full share; nothing refills during it; refill starts at its end', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    await clock.advance(2000);
    expect(share.isFull()).toBe(true);
    share.pauseUntil(clock.now() + 500);
    expect(share.available()).toBe(0);
    expect(share.isFull()).toBe(false);
    expect(share.waitFor(2)).toBe(700);
    await clock.advance(400);
    expect(share.available()).toBe(0);
    expect(share.take(1)).toBe(false);
    await clock.advance(400); // 300 ms past the pause's end
    expect(share.available()).toBeCloseTo(3, 9);
  });

  it('a later pause extends, an earlier one does not shorten', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    share.pauseUntil(clock.now() + 300);
    share.pauseUntil(clock.now() + 100);
    expect(share.waitFor(1)).toBe(400);
    share.pauseUntil(clock.now() + 600);
    expect(share.waitFor(1)).toBe(700);
  });

  it('resume ends a pause now, empty, refilling from now', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    share.pauseUntil(clock.now() + 10_000);
    await clock.advance(1000);
    share.resume();
    expect(share.available()).toBe(0);
    expect(share.waitFor(1)).toBe(100);
    await clock.advance(200);
    expect(share.available()).toBeCloseTo(2, 9);
  });

  it('setSpec refills at the old rate up to now, then caps at the new burst and uses the new rate', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare(spec, clock);
    await clock.advance(600); // 6 tokens at the old rate
    share.setSpec({ rate: 1, periodMs: 1000, burst: 4 });
    expect(share.available()).toBe(4);
    share.take(4);
    await clock.advance(1000);
    expect(share.available()).toBeCloseTo(1, 9);
  });
});
