import { beforeEach, describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError } from '../errors/index.js';
import { MemoryBucket } from './memory-bucket.js';
import { bucket, clock, queue, resetBucketHarness, T0, thrown } from './testing-support/bucket-harness.js';

beforeEach(resetBucketHarness);

describe('MemoryBucket reject mode and maxWaitMs', () => {
  it('reject mode (maxWaitMs 0) fails at once when tokens are missing, with the estimated wait', () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 2 });
    b.acquire(2, 0);
    const e = thrown(() => b.acquire(1, 0)) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.policy).toBe('api');
    expect(e.tokens).toBe(1);
    expect(e.retryAfterMs).toBe(100);
    expect(e.partitionKey).toBeUndefined();
    const e2 = thrown(() => b.acquire(2, 0)) as RateLimiterRejectedError;
    expect(e2.retryAfterMs).toBe(200);
    expect(e2.tokens).toBe(2);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.now()).toBe(T0);
  });

  it('carries the partition key in the error', () => {
    const b = new MemoryBucket(
      { policy: 'api', partitionKey: 'tenant-1', key: 'limiter:api:tenant-1' },
      { rate: 1, periodMs: 1000, burst: 1 },
      clock,
    );
    b.acquire(1, 0);
    const e = thrown(() => b.acquire(1, 0)) as RateLimiterRejectedError;
    expect(e.partitionKey).toBe('tenant-1');
    expect(e.retryAfterMs).toBe(1000);
  });

  it('wait mode: a caller whose admission is beyond maxWaitMs fails at once with the estimated wait', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 2 });
    b.acquire(2, 0);
    const log: Array<[string, number]> = [];
    const ps = [queue(b, 1, log, 'a', 350), queue(b, 1, log, 'b', 350), queue(b, 1, log, 'c', 350)];
    // Tokens queued ahead: 3, level 0 → the 4th caller would be admitted at 400 ms.
    const e = thrown(() => b.acquire(1, 350)) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.policy).toBe('api');
    expect(e.tokens).toBe(1);
    expect(e.retryAfterMs).toBe(400);
    const e2 = thrown(() => b.acquire(2, 350)) as RateLimiterRejectedError;
    expect(e2.tokens).toBe(2);
    expect(e2.retryAfterMs).toBe(500);
    // Failed at once: no time passed, nothing queued.
    expect(clock.now()).toBe(T0);
    expect(b.waiting()).toBe(3);
    // A caller within its own maxWaitMs still queues.
    const d = queue(b, 1, log, 'd', 400);
    await clock.runAll();
    expect(await Promise.all([...ps, d])).toEqual(['admitted', 'admitted', 'admitted', 'admitted']);
    expect(log).toEqual([
      ['a', 100],
      ['b', 200],
      ['c', 300],
      ['d', 400],
    ]);
  });
});

describe('MemoryBucket queue', () => {
  it('admits waiters in FIFO order at the refill rate, with available() negative while they wait', async () => {
    const b = bucket({ rate: 4, periodMs: 1000, burst: 4 });
    b.acquire(4, 0);
    const log: Array<[string, number]> = [];
    const ps = [queue(b, 1, log, 'a'), queue(b, 2, log, 'b'), queue(b, 1, log, 'c')];
    expect(b.waiting()).toBe(3);
    expect(b.available()).toBe(-4);
    await clock.advance(250);
    expect(log).toEqual([['a', 250]]);
    await clock.advance(500);
    expect(log).toEqual([
      ['a', 250],
      ['b', 750],
    ]);
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toEqual([
      ['a', 250],
      ['b', 750],
      ['c', 1000],
    ]);
    expect(b.waiting()).toBe(0);
    expect(b.available()).toBeCloseTo(0, 9);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps at most one timer per bucket, and none while nobody waits', async () => {
    const b = bucket({ rate: 50, periodMs: 1000, burst: 10 });
    expect(clock.pendingTimers()).toBe(0);
    for (let i = 0; i < 10; i++) b.acquire(1, 0);
    expect(clock.pendingTimers()).toBe(0);
    const log: Array<[string, number]> = [];
    const ps: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) {
      ps.push(queue(b, 1, log, `w${i}`));
      expect(clock.pendingTimers()).toBeLessThanOrEqual(1);
    }
    expect(clock.pendingTimers()).toBe(1);
    for (let step = 0; step < 30; step++) {
      await clock.advance(37);
      expect(clock.pendingTimers()).toBeLessThanOrEqual(1);
    }
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toHaveLength(100);
    expect(log[99]).toEqual(['w99', 2000]);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('no barging: a small request queues behind a larger waiter instead of taking the refilled tokens', async () => {
    const b = bucket({ rate: 5, periodMs: 1000, burst: 5 });
    b.acquire(5, 0);
    const log: Array<[string, number]> = [];
    const big = queue(b, 3, log, 'big');
    await clock.advance(400); // level 2: enough for 1 token, not for 3
    expect(b.available()).toBeCloseTo(-1, 9);
    const p = b.acquire(1, Infinity);
    expect(p).toBeInstanceOf(Promise);
    const small = p!.then(() => log.push(['small', clock.now() - T0]));
    // Reject mode too: it must not take tokens from under the waiters (5 queued+asked, level 2).
    const e = thrown(() => b.acquire(1, 0)) as RateLimiterRejectedError;
    expect(e.retryAfterMs).toBeCloseTo(600, 6);
    await clock.runAll();
    await Promise.all([big, small]);
    expect(log).toEqual([
      ['big', 600],
      ['small', 800],
    ]);
  });
});
