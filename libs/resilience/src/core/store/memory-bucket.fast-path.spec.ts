import { beforeEach, describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { BucketSpec } from './store.js';
import { lanePlan } from './lane-testing.js';
import { MemoryBucket } from './memory-bucket.js';
import { bucket, clock, resetBucketHarness, thrown } from './testing-support/bucket-harness.js';

beforeEach(resetBucketHarness);

describe('MemoryBucket fast path', () => {
  it('admits synchronously while tokens are there and takes them', () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    expect(b.acquire(2, 0)).toBeUndefined();
    expect(b.available()).toBe(3);
    expect(b.acquire(3, 0)).toBeUndefined();
    expect(b.available()).toBe(0);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('refills continuously at rate / period, up to burst', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    b.acquire(5, 0);
    await clock.advance(250);
    expect(b.available()).toBeCloseTo(2.5, 9);
    await clock.advance(10_000);
    expect(b.available()).toBe(5);
  });

  it('rejects a token count that is not > 0 or exceeds burst, naming limiters.<name>.tokens', () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 5 });
    for (const bad of [6, 0, -1, NaN]) {
      const e = thrown(() => b.acquire(bad, Infinity)) as ResilienceConfigError;
      expect(e).toBeInstanceOf(ResilienceConfigError);
      expect(e.path).toBe('limiters.api.tokens');
      expect(Object.is(e.value, bad)).toBe(true);
      expect(e.message).toContain('limiters.api.tokens');
    }
    expect(b.available()).toBe(5);
  });
});

describe('MemoryBucket admissions without a clock read', () => {
  /** The test clock, counting now() calls. */
  function counting(): { reads: () => number; bucket: (spec: BucketSpec) => MemoryBucket } {
    let reads = 0;
    const c = {
      now: () => (reads++, clock.now()),
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
    };
    return { reads: () => reads, bucket: (spec) => new MemoryBucket({ policy: 'api', key: 'limiter:api' }, spec, c) };
  }

  it('reads the clock once per burst/64 tokens while the bucket is far from empty', () => {
    const { reads, bucket: make } = counting();
    const b = make({ rate: 6400, periodMs: 1000, burst: 6400 });
    const before = reads();
    for (let i = 0; i < 1000; i++) expect(b.acquire(1, 0)).toBeUndefined();
    // 100 untimed tokens between reads: 1000 calls take about 10 reads, not 1000.
    expect(reads() - before).toBeLessThanOrEqual(11);
    expect(reads() - before).toBeGreaterThanOrEqual(9);
    expect(b.available()).toBeCloseTo(5400, 6);
  });

  it("reads the clock on every call when burst is under 64 calls' tokens", () => {
    const { reads, bucket: make } = counting();
    const b = make({ rate: 50, periodMs: 1000, burst: 50 });
    const before = reads();
    for (let i = 0; i < 10; i++) b.acquire(1, 0);
    expect(reads() - before).toBe(10);
  });

  it('charges untimed tokens after the refill cap, so an idle full bucket never admits more than burst at once', async () => {
    const b = bucket({ rate: 64, periodMs: 1000, burst: 64 });
    await clock.advance(10_000);
    expect(b.acquire(1, 0)).toBeUndefined(); // untimed: booked as debt
    await clock.advance(1);
    // 1 + 64 tokens within 1 ms would exceed burst + rate × 1 ms = 64.064. Charging the debt
    // before the refill (as if the token were taken 10 s ago) would wrongly admit it.
    expect(thrown(() => b.acquire(64, 0))).toBeInstanceOf(RateLimiterRejectedError);
    expect(b.acquire(63, 0)).toBeUndefined();
  });

  it('never skips the clock while a pause is on or callers wait', async () => {
    const { reads, bucket: make } = counting();
    const b = make({ rate: 6400, periodMs: 1000, burst: 6400 });
    b.pauseUntil(clock.now() + 1000);
    const r0 = reads();
    expect(thrown(() => b.acquire(1, 0))).toBeInstanceOf(RateLimiterRejectedError);
    expect(reads()).toBeGreaterThan(r0);
    await clock.advance(1000);
    const waiting = b.acquire(6400, Infinity);
    expect(waiting).toBeInstanceOf(Promise);
    const r1 = reads();
    const behind = b.acquire(1, Infinity);
    expect(behind).toBeInstanceOf(Promise); // no barging past the waiter, untimed or not
    expect(reads()).toBeGreaterThan(r1);
    await clock.advance(2000);
    await expect(waiting).resolves.toBeUndefined();
    await expect(behind).resolves.toBeUndefined();
  });

  it('admitsAtOnce: true only when acquire would take the fast path (no lanes, no waiter, no pause, tokens there)', async () => {
    // burst 640: up to 10 tokens (1/64 of burst) may be taken without a clock read.
    const b = bucket({ rate: 640, periodMs: 1000, burst: 640 });
    expect(b.admitsAtOnce(1)).toBe(true);
    expect(b.admitsAtOnce(11)).toBe(false); // beyond the untimed share: "maybe not" (acquire reads the clock)
    expect(b.acquire(11, 0)).toBeUndefined();
    expect(b.available()).toBe(629); // the checks took nothing
    expect(b.acquire(629, 0)).toBeUndefined();
    expect(b.admitsAtOnce(1)).toBe(false); // empty
    const waiting = b.acquire(1, Infinity);
    expect(waiting).toBeInstanceOf(Promise);
    await clock.advance(10_000);
    await waiting;
    expect(b.available()).toBe(640);
    expect(b.admitsAtOnce(1)).toBe(true); // refilled, nobody waits
    b.pauseUntil(clock.now() + 1000);
    expect(b.admitsAtOnce(1)).toBe(false); // paused
    await clock.advance(3000); // the pause ends, the level refills from then
    expect(b.available()).toBe(640);
    expect(b.admitsAtOnce(1)).toBe(true);
    const laned = new MemoryBucket(
      { policy: 'api', key: 'limiter:api' },
      { rate: 640, periodMs: 1000, burst: 640, lanes: lanePlan([['interactive'], ['batch', 0.5]]) },
      clock,
    );
    expect(laned.admitsAtOnce(1)).toBe(false); // lanes always read the clock
    expect(laned.acquire(1, 0, undefined, 0)).toBeUndefined();
  });
});
