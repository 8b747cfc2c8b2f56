import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/index.js';
import { LocalShare, shareSpec } from './local-share.js';

describe('LocalShare (virtual time)', () => {
  it('starts empty, refills at its rate up to its burst', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare({ rate: 10, periodMs: 1000, burst: 2 }, clock);
    expect(share.take(1)).toBe(false);
    expect(share.waitFor(1)).toBeCloseTo(100);
    await clock.advance(100);
    expect(share.take(1)).toBe(true);
    expect(share.take(1)).toBe(false);
    await clock.advance(10_000);
    expect(share.available()).toBeCloseTo(2); // capped at burst
    expect(share.isFull()).toBe(true);
  });

  it('a pause empties it until the pause ends; resume() ends it now, still empty', async () => {
    const clock = new VirtualClock();
    const share = new LocalShare({ rate: 10, periodMs: 1000, burst: 2 }, clock);
    await clock.advance(1000);
    share.pauseUntil(clock.now() + 500);
    expect(share.take(1)).toBe(false);
    expect(share.waitFor(1)).toBeCloseTo(600);
    await clock.advance(200);
    share.resume();
    expect(share.available()).toBe(0);
    await clock.advance(100);
    expect(share.take(1)).toBe(true);
  });

  it('refund is capped at burst; a caller asking more than the share holds counts as its whole burst', () => {
    const clock = new VirtualClock();
    const share = new LocalShare(shareSpec({ rate: 50, periodMs: 1000, burst: 5 }, 3), clock);
    share.refund(10);
    expect(share.available()).toBeCloseTo(5 / 3);
    expect(share.tokensOf(4)).toBeCloseTo(5 / 3);
    expect(share.take(share.tokensOf(4))).toBe(true);
    expect(shareSpec({ rate: 3, periodMs: 1000, burst: 2 }, 3).burst).toBe(1); // at least one token
  });
});
