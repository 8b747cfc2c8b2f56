import { beforeEach, describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { bucket, clock, queue, resetBucketHarness, thrown } from './testing-support/bucket-harness.js';

beforeEach(resetBucketHarness);

describe('MemoryBucket setSpec', () => {
  it('changes the rate for queued waiters at run time', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ps = [queue(b, 1, log, 'a'), queue(b, 1, log, 'b'), queue(b, 1, log, 'c')];
    await clock.advance(50); // level 0.5
    b.setSpec({ rate: 20, periodMs: 1000, burst: 1 });
    expect(b.spec()).toEqual({ rate: 20, periodMs: 1000, burst: 1 });
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toEqual([
      ['a', 75],
      ['b', 125],
      ['c', 175],
    ]);
  });

  it('clamps the level to a smaller burst', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 10 });
    b.setSpec({ rate: 10, periodMs: 1000, burst: 3 });
    expect(b.available()).toBe(3);
    expect(b.isIdle()).toBe(true);
    expect(b.acquire(3, 0)).toBeUndefined();
    const e = thrown(() => b.acquire(1, 0)) as RateLimiterRejectedError;
    expect(e.retryAfterMs).toBe(100);
    // A larger burst does not fill the bucket by itself.
    b.setSpec({ rate: 10, periodMs: 1000, burst: 20 });
    expect(b.available()).toBe(0);
    await clock.advance(5000);
    expect(b.available()).toBe(20);
  });

  it('rejects queued waiters that a smaller burst could never admit, and keeps serving the others', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    b.acquire(5, 0);
    const log: Array<[string, number]> = [];
    const big = queue(b, 4, log, 'big');
    const small = queue(b, 1, log, 'small');
    b.setSpec({ rate: 10, periodMs: 1000, burst: 2 });
    const e = (await big) as ResilienceConfigError;
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect(e.path).toBe('limiters.api.tokens');
    expect(e.value).toBe(4);
    await clock.runAll(60_000);
    expect(await small).toBe('admitted');
    expect(log).toEqual([['small', 100]]);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('MemoryBucket isIdle', () => {
  it('is idle only when full, unpaused and nobody waits', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 2 });
    expect(b.isIdle()).toBe(true);
    b.acquire(1, 0);
    expect(b.isIdle()).toBe(false);
    await clock.advance(100);
    expect(b.isIdle()).toBe(true);
    b.acquire(2, 0);
    const w = b.acquire(1, Infinity);
    await clock.advance(250);
    expect(b.isIdle()).toBe(false);
    await clock.runAll();
    await w;
    await clock.advance(1000);
    expect(b.isIdle()).toBe(true);
  });
});

describe('MemoryBucket refund', () => {
  it('gives tokens back, capped at burst', () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    expect(b.acquire(4, 0)).toBeUndefined();
    b.refund(3);
    expect(b.available()).toBeCloseTo(4, 9);
    b.refund(10);
    expect(b.available()).toBe(5);
  });

  it('admits the head of the queue at once when the refund covers it', async () => {
    const b = bucket({ rate: 1, periodMs: 1000, burst: 2 });
    expect(b.acquire(2, 0)).toBeUndefined();
    const log: Array<[string, number]> = [];
    const waiting = queue(b, 2, log, 'w');
    b.refund(2);
    await expect(waiting).resolves.toBe('admitted');
    expect(log).toEqual([['w', 0]]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('ignores a non-positive refund', () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    b.acquire(5, 0);
    b.refund(0);
    b.refund(-3);
    expect(b.available()).toBe(0);
  });
});
