import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock, seededRandom } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { lanePlan, maxInWindow } from './lane-testing.js';
import { MemoryBucket } from './memory-bucket.js';

let clock: VirtualClock;
let T0: number;

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
});

/** 10 tokens per second, burst 10, with `lanes`. */
function bucket(lanes: LanePlan, rate = 10, burst = 10): MemoryBucket {
  return new MemoryBucket({ policy: 'api', key: 'limiter:api' }, { rate, periodMs: 1000, burst, lanes }, clock);
}

/** Queues a caller (it must wait) and records `[id, ms since T0]` when it is admitted. */
function queue(
  b: MemoryBucket,
  lane: number,
  tokens: number,
  log: Array<[string, number]>,
  id: string,
  signal?: AbortSignal,
) {
  const p = b.acquire(tokens, Infinity, signal, lane);
  if (p === undefined) throw new Error(`${id} was admitted at once`);
  return p.then(
    () => void log.push([id, clock.now() - T0]),
    (e: unknown) => e,
  );
}

const IB = lanePlan([['interactive'], ['batch']]);

describe('MemoryBucket lanes: ordering', () => {
  it('admits an interactive waiter before batch waiters queued earlier; FIFO within a lane', async () => {
    const b = bucket(IB);
    expect(b.acquire(10, 0, undefined, 1)).toBeUndefined();
    const log: Array<[string, number]> = [];
    queue(b, 1, 1, log, 'b1');
    queue(b, 1, 1, log, 'b2');
    queue(b, 0, 1, log, 'i1');
    queue(b, 0, 1, log, 'i2');
    await clock.advance(1000);
    expect(log).toEqual([
      ['i1', 100],
      ['i2', 200],
      ['b1', 300],
      ['b2', 400],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a lane of calls that name none is the default lane', async () => {
    const b = bucket(lanePlan([['interactive'], ['batch']], Infinity, 1));
    b.acquire(10, 0);
    const log: Array<[string, number]> = [];
    queue(b, 1, 1, log, 'b1');
    void b.acquire(1, Infinity)!.then(() => log.push(['default', clock.now() - T0]));
    queue(b, 0, 1, log, 'i1');
    await clock.advance(300);
    expect(log.map(([id]) => id)).toEqual(['i1', 'b1', 'default']);
  });

  it('aging promotes an old batch waiter ahead of newer interactive ones', async () => {
    const b = bucket(lanePlan([['interactive'], ['batch']], 250));
    b.acquire(10, 0, undefined, 0);
    const log: Array<[string, number]> = [];
    queue(b, 1, 1, log, 'b1');
    await clock.advance(50);
    for (let i = 1; i <= 4; i++) queue(b, 0, 1, log, `i${i}`);
    await clock.advance(1000);
    // b1 has waited 250 ms at 250: it goes at the next token (300), before i3 and i4 (queued after it).
    expect(log).toEqual([
      ['i1', 100],
      ['i2', 200],
      ['b1', 300],
      ['i3', 400],
      ['i4', 500],
    ]);
  });

  it('without aging, strict priority: the batch waiter goes last', async () => {
    const b = bucket(IB);
    b.acquire(10, 0, undefined, 0);
    const log: Array<[string, number]> = [];
    queue(b, 1, 1, log, 'b1');
    for (let i = 1; i <= 4; i++) queue(b, 0, 1, log, `i${i}`);
    await clock.advance(1000);
    expect(log.map(([id]) => id)).toEqual(['i1', 'i2', 'i3', 'i4', 'b1']);
  });

  it('a head blocked by the level blocks lower lanes (no barging), even for fewer tokens', async () => {
    const b = bucket(IB);
    b.acquire(10, 0, undefined, 1);
    const log: Array<[string, number]> = [];
    queue(b, 0, 5, log, 'i5');
    queue(b, 1, 1, log, 'b1');
    await clock.advance(499);
    expect(log).toEqual([]);
    await clock.advance(200);
    expect(log).toEqual([
      ['i5', 500],
      ['b1', 600],
    ]);
  });

  it('a head blocked only by its own cap does not block lower lanes', async () => {
    const b = bucket(lanePlan([['bulk', 0.2], ['rest']]));
    expect(b.acquire(2, 0, undefined, 0)).toBeUndefined(); // bulk's cap (2) is empty now
    const log: Array<[string, number]> = [];
    queue(b, 0, 2, log, 'bulk'); // its cap refills 2 tokens per second
    expect(b.acquire(3, 0, undefined, 1)).toBeUndefined(); // 'rest' goes at once past the capped head
    await clock.advance(1000);
    expect(log).toEqual([['bulk', 1000]]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting a lane waiter frees its place: the waiter behind it is admitted sooner', async () => {
    const b = bucket(IB);
    b.acquire(10, 0, undefined, 1);
    const log: Array<[string, number]> = [];
    const c = new AbortController();
    const aborted = queue(b, 0, 8, log, 'i8', c.signal);
    queue(b, 1, 1, log, 'b1');
    await clock.advance(50);
    c.abort(new Error('cancelled'));
    expect(await aborted).toEqual(new Error('cancelled'));
    await clock.advance(100);
    expect(log).toEqual([['b1', 100]]);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('MemoryBucket lanes: floor, cap, maxWaitMs', () => {
  it('floor: a saturating batch never takes the level below the floor; interactive calls always pass at once', async () => {
    const b = bucket(lanePlan([['interactive', 1, 0.3], ['batch']]));
    const rand = seededRandom(7);
    let batchAdmitted = 0;
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < 200; i++)
      pending.push(
        b.acquire(1, Infinity, undefined, 1)?.then(() => void batchAdmitted++) ?? Promise.resolve(void batchAdmitted++),
      );
    for (let step = 0; step < 200; step++) {
      await clock.advance(Math.floor(rand() * 200));
      // The floor (3 tokens) is kept for interactive calls: 1 token is always there at once.
      expect(b.acquire(1, 0, undefined, 0)).toBeUndefined();
      b.refund(1, 0); // not counted against the batch's progress
    }
    // The batch is not starved: it got what the rate gave above the floor.
    const elapsed = clock.now() - T0;
    expect(batchAdmitted).toBeGreaterThanOrEqual(Math.min(200, Math.floor((elapsed * 10) / 1000) - 10));
    expect(b.available()).toBeGreaterThanOrEqual(-b.waiting());
  });

  it('floor: a batch caller is rejected when the floor leaves it no tokens in time, queued otherwise', async () => {
    const b = bucket(lanePlan([['interactive', 1, 0.3], ['batch']]));
    b.acquire(10, 0, undefined, 0);
    // Level 0, floor 3: one batch token needs the level at 4 (400 ms).
    const e = (() => {
      try {
        return b.acquire(1, 399, undefined, 1);
      } catch (err) {
        return err;
      }
    })() as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.retryAfterMs).toBeCloseTo(400, 6);
    const log: Array<[string, number]> = [];
    void b.acquire(1, 400, undefined, 1)!.then(() => log.push(['b', clock.now() - T0]));
    await clock.advance(500);
    expect(log).toEqual([['b', 400]]);
  });

  it('rejects more tokens than a lane can ever take', () => {
    const b = bucket(
      lanePlan([
        ['interactive', 1, 0.3],
        ['batch', 0.5],
      ]),
    );
    for (const [tokens, lane] of [
      [8, 1],
      [6, 1],
    ] as const) {
      expect(() => b.acquire(tokens, Infinity, undefined, lane)).toThrow(ResilienceConfigError);
    }
    expect(b.acquire(5, 0, undefined, 1)).toBeUndefined();
    expect(() => b.acquire(1, 0, undefined, 2)).toThrow(ResilienceConfigError);
  });

  it('cap holds in every window: a capped lane gets at most burst×share + rate×share×W/period (seeded arrivals)', async () => {
    for (const seed of [1, 2, 3]) {
      clock = new VirtualClock();
      T0 = clock.now();
      const b = bucket(lanePlan([['bulk', 0.25], ['rest']]), 20, 20);
      const rand = seededRandom(seed);
      const admitted: Array<{ at: number; amount: number; lane: number }> = [];
      const take = (lane: number, tokens: number) => {
        const p = b.acquire(tokens, Infinity, undefined, lane);
        if (p === undefined) admitted.push({ at: clock.now(), amount: tokens, lane });
        else void p.then(() => admitted.push({ at: clock.now(), amount: tokens, lane }));
      };
      for (let step = 0; step < 400; step++) {
        const n = Math.floor(rand() * 4);
        for (let k = 0; k < n; k++) take(rand() < 0.6 ? 0 : 1, 1 + Math.floor(rand() * 3));
        await clock.advance(Math.floor(rand() * 100));
      }
      await clock.runAll();
      const bulk = admitted.filter((a) => a.lane === 0);
      for (const W of [100, 1000, 5000]) {
        expect(maxInWindow(bulk, W)).toBeLessThanOrEqual(20 * 0.25 + (20 * 0.25 * W) / 1000 + 1e-6);
        expect(maxInWindow(admitted, W)).toBeLessThanOrEqual(20 + (20 * W) / 1000 + 1e-6);
      }
      expect(bulk.length).toBeGreaterThan(50);
      expect(admitted.length - bulk.length).toBeGreaterThan(50);
    }
  });
});

describe('MemoryBucket lanes: setSpec and idle', () => {
  it('setSpec re-maps waiters by lane name and fails those whose lane is gone', async () => {
    const b = bucket(lanePlan([['a'], ['b'], ['c']]));
    b.acquire(10, 0, undefined, 0);
    const log: Array<[string, number]> = [];
    const gone = queue(b, 0, 1, log, 'a1');
    queue(b, 2, 1, log, 'c1');
    b.setSpec({ rate: 10, periodMs: 1000, burst: 10, lanes: lanePlan([['c'], ['b']]) });
    const e = (await gone) as ResilienceConfigError;
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect(e.path).toBe('limiters.api.lanes');
    expect(e.value).toBe('a');
    await clock.advance(100);
    expect(log).toEqual([['c1', 100]]);
    expect(b.spec().lanes!.lanes.map((l) => l.name)).toEqual(['c', 'b']);
  });

  it('no timer while idle; isIdle once the level and every cap are back', async () => {
    const b = bucket(lanePlan([['bulk', 0.5], ['rest']]));
    expect(b.acquire(5, 0, undefined, 0)).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    expect(b.isIdle()).toBe(false);
    await clock.advance(1000);
    expect(b.isIdle()).toBe(true);
  });

  it('one timer for all lanes: queuing 100 waiters arms it once, and only an earlier waiter re-arms it', async () => {
    const b = bucket(IB);
    b.acquire(10, 0, undefined, 0);
    let armed = 0;
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => (armed++, setTimeout(fn, ms));
    const log: Array<[string, number]> = [];
    for (let i = 0; i < 100; i++) queue(b, 1, 1, log, `b${i}`);
    expect(armed).toBe(1);
    expect(clock.pendingTimers()).toBe(1);
    queue(b, 0, 1, log, 'i'); // due at the same time as b0: no re-arm
    expect(armed).toBe(1);
    await clock.advance(100);
    expect(log).toEqual([['i', 100]]);
  });

  it('a pause holds every lane; resume re-times the waiters', async () => {
    const b = bucket(IB);
    b.acquire(10, 0, undefined, 1);
    const log: Array<[string, number]> = [];
    queue(b, 1, 1, log, 'b');
    b.pauseUntil(T0 + 5000);
    queue(b, 0, 1, log, 'i');
    await clock.advance(1000);
    expect(log).toEqual([]);
    b.resume();
    await clock.advance(200);
    expect(log).toEqual([
      ['i', 1100],
      ['b', 1200],
    ]);
  });
});
