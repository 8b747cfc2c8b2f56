import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock, seededRandom } from '../clock.js';
import { LOW_ESTIMATE_PLANS, lanePlan, lowEstimateCaller, maxInWindow, virtualStart } from './lane-testing.js';
import { MemoryBucket } from './memory-bucket.js';
import type { BucketSpec } from './store.js';

let clock: VirtualClock;
let T0: number;

beforeEach(() => {
  ({ clock, T0 } = virtualStart());
});

function bucket(spec: BucketSpec): MemoryBucket {
  return new MemoryBucket({ policy: 'api', key: 'limiter:api' }, spec, clock);
}

describe('MemoryBucket.settle', () => {
  it('refunds the difference (capped at burst) and admits waiters at once', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 10 });
    b.acquire(10, 0);
    const log: number[] = [];
    void b.acquire(4, Infinity)!.then(() => log.push(clock.now() - T0));
    b.settle(10, 5, 0); // 5 back
    await clock.advance(0);
    expect(log).toEqual([0]);
    expect(b.available()).toBeCloseTo(1, 9);
    b.settle(10, 0, 0); // 10 back, capped at burst
    expect(b.available()).toBe(10);
  });

  it('charges an excess now, below zero: later callers wait for the debt', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 10 });
    b.acquire(10, 0);
    b.settle(10, 15, 50);
    expect(b.available()).toBeCloseTo(-5, 9);
    const log: number[] = [];
    void b.acquire(1, Infinity)!.then(() => log.push(clock.now() - T0));
    await clock.advance(599);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([600]);
    b.settle(3, 3, 0); // equal: nothing
    expect(b.available()).toBeCloseTo(0, 9);
  });

  it('settles a lane: its cap is charged and refunded as well', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 10, lanes: lanePlan([['bulk', 0.5], ['rest']]) });
    expect(b.acquire(2, 0, undefined, 0)).toBeUndefined();
    b.settle(2, 5, 0, 0); // bulk's cap: 5 - 5 = 0
    expect(() => b.acquire(1, 0, undefined, 0)).toThrow(); // cap empty (reject mode)
    expect(b.acquire(1, 0, undefined, 1)).toBeUndefined(); // other lane: 5 left in the level
    b.refund(2, 0);
    expect(b.acquire(2, 0, undefined, 0)).toBeUndefined();
  });

  it('with low estimates settled one by one, actual tokens per window stay within burst + rate×W/period + largest excess; debt is paid', async () => {
    for (const lanes of LOW_ESTIMATE_PLANS) {
      ({ clock, T0 } = virtualStart());
      const rate = 10;
      const burst = 10;
      const b = bucket({ rate, periodMs: 1000, burst, lanes });
      const done = lowEstimateCaller(b, clock, seededRandom(lanes === undefined ? 11 : 12), lanes ? 2 : 1, 600, 150);
      await clock.runAll();
      const { actual, largestExcess } = await done;
      for (const W of [200, 1000, 10_000]) {
        expect(maxInWindow(actual, W)).toBeLessThanOrEqual(burst + (rate * W) / 1000 + largestExcess + 1e-6);
      }
      // Debt is paid: over the whole run the actual tokens average at most the rate.
      const span = actual.at(-1)!.at - T0;
      const total = actual.reduce((s, a) => s + a.amount, 0);
      expect(total).toBeLessThanOrEqual(burst + (rate * span) / 1000 + largestExcess);
      expect(total).toBeGreaterThan((rate * span) / 1000 / 2); // and the limiter was saturated
    }
  });
});
