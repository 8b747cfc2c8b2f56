import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock, seededRandom } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { LOW_ESTIMATE_PLANS, lanePlan, lowEstimateCaller, maxInWindow, virtualStart } from './lane-testing.js';
import { MemorySlidingWindow } from './memory-sliding-window.js';

let clock: VirtualClock;
let T0: number;

beforeEach(() => {
  ({ clock, T0 } = virtualStart());
});

function windowOf(lanes: LanePlan | undefined, limit = 4, windowMs = 1000): MemorySlidingWindow {
  return new MemorySlidingWindow(
    { policy: 'api', key: 'limiter:api' },
    { limit, windowMs, safetyMarginMs: 0, lanes },
    clock,
  );
}

/** Queues a caller (it must wait) and records `[id, ms since T0]` when it is admitted. */
function queue(w: MemorySlidingWindow, lane: number, tokens: number, log: Array<[string, number]>, id: string) {
  const p = w.acquire(tokens, Infinity, undefined, lane);
  if (p === undefined) throw new Error(`${id} was admitted at once`);
  return p.then(
    () => void log.push([id, clock.now() - T0]),
    (e: unknown) => e,
  );
}

describe('MemorySlidingWindow lanes', () => {
  it('admits an interactive waiter before batch waiters queued earlier; FIFO within a lane', async () => {
    const w = windowOf(lanePlan([['interactive'], ['batch']]));
    expect(w.acquire(4, 0, undefined, 1)).toBeUndefined();
    const log: Array<[string, number]> = [];
    queue(w, 1, 1, log, 'b1');
    queue(w, 1, 1, log, 'b2');
    queue(w, 0, 1, log, 'i1');
    queue(w, 0, 2, log, 'i2');
    await clock.advance(1000);
    expect(log).toEqual([
      ['i1', 1000],
      ['i2', 1000],
      ['b1', 1000],
    ]);
    await clock.advance(1000);
    expect(log.at(-1)).toEqual(['b2', 2000]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('floor: a saturating batch leaves floorShare × limit; an interactive caller always passes at once', async () => {
    const w = windowOf(lanePlan([['interactive', 1, 0.3], ['batch']]), 10);
    const rand = seededRandom(5);
    let batch = 0;
    for (let i = 0; i < 300; i++) void w.acquire(1, Infinity, undefined, 1)?.then(() => void batch++);
    for (let step = 0; step < 30; step++) {
      await clock.advance(1000 + Math.floor(rand() * 500));
      expect(w.acquire(1, 0, undefined, 0)).toBeUndefined();
      expect(w.acquire(2, 0, undefined, 0)).toBeUndefined();
    }
    expect(batch).toBeGreaterThan(30 * 6);
    expect(() => w.acquire(1, 10, undefined, 1)).toThrow(RateLimiterRejectedError);
  });

  it('cap: a capped lane has at most maxShare × limit in every window (seeded arrivals); the others use the rest', async () => {
    for (const seed of [1, 2, 3]) {
      clock = new VirtualClock();
      T0 = clock.now();
      const w = windowOf(lanePlan([['bulk', 0.25], ['rest']]), 20, 1000);
      const rand = seededRandom(seed);
      const admitted: Array<{ at: number; amount: number; lane: number }> = [];
      const take = (lane: number, tokens: number) => {
        const p = w.acquire(tokens, Infinity, undefined, lane);
        if (p === undefined) admitted.push({ at: clock.now(), amount: tokens, lane });
        else void p.then(() => admitted.push({ at: clock.now(), amount: tokens, lane }));
      };
      for (let step = 0; step < 300; step++) {
        for (let k = Math.floor(rand() * 5); k > 0; k--) take(rand() < 0.6 ? 0 : 1, 1 + Math.floor(rand() * 3));
        await clock.advance(Math.floor(rand() * 100));
      }
      await clock.runAll();
      const bulk = admitted.filter((a) => a.lane === 0);
      expect(maxInWindow(bulk, 1000)).toBeLessThanOrEqual(5);
      expect(maxInWindow(admitted, 1000)).toBeLessThanOrEqual(20);
      expect(bulk.length).toBeGreaterThan(30);
      expect(admitted.length - bulk.length).toBeGreaterThan(30);
      expect(clock.pendingTimers()).toBe(0);
    }
  });

  it('a head held only by its cap does not hold back another lane', async () => {
    const w = windowOf(lanePlan([['bulk', 0.5], ['rest']]), 4);
    expect(w.acquire(2, 0, undefined, 0)).toBeUndefined();
    const log: Array<[string, number]> = [];
    queue(w, 0, 1, log, 'bulk');
    expect(w.acquire(2, 0, undefined, 1)).toBeUndefined();
    await clock.advance(1000);
    expect(log).toEqual([['bulk', 1000]]);
  });
});

describe('MemorySlidingWindow lanes: setSpec, abort', () => {
  it('setSpec re-maps waiters by lane name, fails those whose lane is gone, and applies the new caps', async () => {
    const w = windowOf(lanePlan([['a'], ['b']]), 4);
    w.acquire(4, 0, undefined, 0);
    const log: Array<[string, number]> = [];
    const gone = queue(w, 0, 1, log, 'a1');
    queue(w, 1, 2, log, 'b1');
    queue(w, 1, 2, log, 'b2');
    w.setSpec({ rate: 4, periodMs: 1000, burst: 4, lanes: lanePlan([['b', 0.5]]) });
    expect(await gone).toBeInstanceOf(ResilienceConfigError);
    await clock.advance(1000);
    expect(log).toEqual([['b1', 1000]]); // b's cap (2) holds b2 back
    await clock.advance(1000);
    expect(log.at(-1)).toEqual(['b2', 2000]);
  });

  it('an aborted lane waiter leaves at once and the one behind it goes in its place', async () => {
    const w = windowOf(lanePlan([['a'], ['b']]), 4);
    w.acquire(4, 0, undefined, 1);
    const log: Array<[string, number]> = [];
    const c = new AbortController();
    const aborted = w.acquire(4, Infinity, c.signal, 0)!.catch((e: unknown) => e);
    queue(w, 1, 4, log, 'b');
    c.abort(new Error('stop'));
    expect(await aborted).toEqual(new Error('stop'));
    await clock.advance(1000);
    expect(log).toEqual([['b', 1000]]);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('MemorySlidingWindow.settle', () => {
  it('a refund comes off the oldest counted tokens, and not at all once the admission left the window', async () => {
    const w = windowOf(undefined, 4);
    w.acquire(3, 0);
    await clock.advance(500);
    w.acquire(1, 0);
    w.settle(3, 1, 500); // 2 back, from the oldest entry
    expect(w.available()).toBe(2);
    await clock.advance(500); // the first entry (1 token left) expires
    expect(w.available()).toBe(3);
    w.settle(1, 0, 1000); // left the window already: nothing
    expect(w.available()).toBe(3);
  });

  it('an excess counts as an admission now, even past the limit: later callers wait until it leaves', async () => {
    const w = windowOf(undefined, 4);
    w.acquire(4, 0);
    w.settle(4, 7, 0);
    expect(w.available()).toBe(-3);
    const log: Array<[string, number]> = [];
    await clock.advance(100);
    void w.acquire(1, Infinity)!.then(() => log.push(['next', clock.now() - T0]));
    await clock.advance(899);
    expect(log).toEqual([]);
    await clock.advance(1);
    expect(log).toEqual([['next', 1000]]);
  });

  it('with low estimates settled one by one, actual tokens in any window stay within limit + the largest excess', async () => {
    for (const lanes of LOW_ESTIMATE_PLANS) {
      ({ clock, T0 } = virtualStart());
      const w = windowOf(lanes, 10, 1000);
      const done = lowEstimateCaller(w, clock, seededRandom(21), lanes === undefined ? 1 : 2, 400, 60);
      await clock.runAll();
      const { actual, largestExcess } = await done;
      expect(maxInWindow(actual, 1000)).toBeLessThanOrEqual(10 + largestExcess);
      expect(largestExcess).toBe(3);
      // Saturated: the window was full most of the time.
      const total = actual.reduce((sum, a) => sum + a.amount, 0);
      expect(total).toBeGreaterThan(((actual.at(-1)!.at - actual[0]!.at) / 1000) * 5);
    }
  });
});
