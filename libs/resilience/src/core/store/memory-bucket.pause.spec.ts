import { beforeEach, describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError } from '../errors/index.js';
import { bucket, clock, queue, resetBucketHarness, T0, thrown } from './testing-support/bucket-harness.js';

beforeEach(resetBucketHarness);

describe('MemoryBucket pauseUntil', () => {
  it.each([0, 10])(
    'admits nobody before the pause ends, then resumes at the normal rate from empty (paused %d ms after the last refill)',
    async (offset) => {
      const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
      await clock.advance(offset);
      const start = clock.now() - T0;
      b.pauseUntil(clock.now() + 1000);
      expect(b.isIdle()).toBe(false);
      const log: Array<[string, number]> = [];
      const ps = [queue(b, 1, log, 'a'), queue(b, 1, log, 'b'), queue(b, 1, log, 'c')];
      expect(clock.pendingTimers()).toBe(1);
      await clock.advance(999);
      expect(log).toEqual([]);
      await clock.runAll();
      await Promise.all(ps);
      expect(log).toEqual([
        ['a', start + 1100],
        ['b', start + 1200],
        ['c', start + 1300],
      ]);
    },
  );

  it('reject mode during a pause reports the time until the pause ends plus the refill', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    await clock.advance(5);
    b.pauseUntil(clock.now() + 500);
    const e = thrown(() => b.acquire(1, 0)) as RateLimiterRejectedError;
    expect(e.retryAfterMs).toBe(600);
    await clock.advance(600);
    expect(b.acquire(1, 0)).toBeUndefined();
  });

  it('a shorter pause does not shorten a longer one', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.pauseUntil(T0 + 1000);
    b.pauseUntil(T0 + 200);
    const log: Array<[string, number]> = [];
    const a = queue(b, 1, log, 'a');
    await clock.runAll();
    await a;
    expect(log).toEqual([['a', 1100]]);
  });

  it('a pause that is already over changes nothing', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    await clock.advance(10);
    b.pauseUntil(clock.now());
    b.pauseUntil(clock.now() - 5);
    expect(b.available()).toBe(3);
    expect(b.isIdle()).toBe(true);
    expect(b.acquire(3, 0)).toBeUndefined();
  });

  it('pausing delays waiters already queued', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const a = queue(b, 1, log, 'a');
    await clock.advance(50);
    b.pauseUntil(T0 + 500);
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await a;
    expect(log).toEqual([['a', 600]]);
  });
});
