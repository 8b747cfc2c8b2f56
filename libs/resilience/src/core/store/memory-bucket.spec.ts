import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { BucketSpec } from './store.js';
import { MemoryBucket } from './memory-bucket.js';

let clock: VirtualClock;
let T0: number;

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
});

function bucket(spec: BucketSpec): MemoryBucket {
  return new MemoryBucket({ policy: 'api', key: 'limiter:api' }, spec, clock);
}

/** Throws synchronously or returns the error `fn` threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a synchronous throw');
}

/** Queues a caller and records the virtual time (relative to T0) at which it is admitted. */
function queue(
  b: MemoryBucket,
  tokens: number,
  log: Array<[string, number]>,
  id: string,
  maxWaitMs = Infinity,
  signal?: AbortSignal,
): Promise<unknown> {
  const p = b.acquire(tokens, maxWaitMs, signal);
  if (p === undefined) throw new Error(`${id} was admitted at once; expected it to wait`);
  return p.then(
    () => {
      log.push([id, clock.now() - T0]);
      return 'admitted';
    },
    (e: unknown) => e,
  );
}

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
});

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

describe('MemoryBucket abort', () => {
  it('an aborted head waiter rejects with signal.reason and gives its tokens back to the next waiter', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a', Infinity, ac.signal);
    const bb = queue(b, 1, log, 'b');
    const c = queue(b, 1, log, 'c');
    await clock.advance(50);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    expect(await a).toBe(reason);
    expect(b.waiting()).toBe(2);
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await Promise.all([bb, c]);
    // Without the abort: b at 200, c at 300.
    expect(log).toEqual([
      ['b', 100],
      ['c', 200],
    ]);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting a large head waiter admits the smaller one behind it at once when its tokens are there', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    b.acquire(3, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const big = queue(b, 3, log, 'big', Infinity, ac.signal);
    const small = queue(b, 1, log, 'small');
    await clock.advance(150); // level 1.5: enough for small, not for big
    expect(log).toEqual([]);
    ac.abort('gone');
    expect(await big).toBe('gone');
    expect(await small).toBe('admitted');
    // Without the abort: small at 400.
    expect(log).toEqual([['small', 150]]);
    expect(clock.pendingTimers()).toBe(0);
    expect(b.available()).toBeCloseTo(0.5, 9);
  });

  it('an aborted waiter in the middle of the queue gives its tokens back', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 3 });
    b.acquire(3, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a');
    const m = queue(b, 2, log, 'm', Infinity, ac.signal);
    const c = queue(b, 1, log, 'c');
    expect(b.available()).toBeCloseTo(-4, 9);
    ac.abort('stop');
    expect(await m).toBe('stop');
    expect(b.waiting()).toBe(2);
    expect(b.available()).toBeCloseTo(-2, 9);
    await clock.runAll();
    await Promise.all([a, c]);
    // Without the abort: c at 400.
    expect(log).toEqual([
      ['a', 100],
      ['c', 200],
    ]);
    expect(b.available()).toBeCloseTo(0, 9);
  });

  it('rejects at once when the signal is already aborted and queues nothing', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const ac = new AbortController();
    ac.abort('already');
    const p = b.acquire(1, Infinity, ac.signal);
    expect(p).toBeInstanceOf(Promise);
    await expect(p).rejects.toBe('already');
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('aborting after admission changes nothing', async () => {
    const b = bucket({ rate: 10, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(b, 1, log, 'a', Infinity, ac.signal);
    const c = queue(b, 1, log, 'c');
    await clock.advance(100);
    expect(await a).toBe('admitted');
    ac.abort('late');
    expect(b.waiting()).toBe(1);
    await clock.runAll();
    await c;
    expect(log).toEqual([
      ['a', 100],
      ['c', 200],
    ]);
  });

  it('many aborts leave no waiter, reservation or timer behind', async () => {
    const b = bucket({ rate: 1, periodMs: 1000, burst: 1 });
    b.acquire(1, 0);
    const controllers: AbortController[] = [];
    const ps: Promise<unknown>[] = [];
    const log: Array<[string, number]> = [];
    for (let i = 0; i < 200; i++) {
      const ac = new AbortController();
      controllers.push(ac);
      ps.push(queue(b, 1, log, `w${i}`, Infinity, ac.signal));
    }
    expect(b.waiting()).toBe(200);
    // Abort in a scrambled order (odd ones first, then even from the back).
    for (let i = 1; i < 200; i += 2) controllers[i]!.abort('x');
    for (let i = 198; i >= 0; i -= 2) controllers[i]!.abort('x');
    const results = await Promise.all(ps);
    expect(results.every((r) => r === 'x')).toBe(true);
    expect(b.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
    expect(b.available()).toBe(0);
    await clock.advance(1000);
    expect(b.available()).toBe(1);
    expect(b.isIdle()).toBe(true);
    expect(log).toEqual([]);
  });
});

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
