import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock, seededRandom } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { SlidingWindowSpec } from './store.js';
import { MemorySlidingWindow } from './memory-sliding-window.js';

let clock: VirtualClock;
let T0: number;

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
});

function windowOf(spec: Partial<SlidingWindowSpec> = {}): MemorySlidingWindow {
  return new MemorySlidingWindow(
    { policy: 'api', key: 'limiter:api' },
    { limit: 5, windowMs: 1000, safetyMarginMs: 0, ...spec },
    clock,
  );
}

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
  w: MemorySlidingWindow,
  tokens: number,
  log: Array<[string, number]>,
  id: string,
  maxWaitMs = Infinity,
  signal?: AbortSignal,
): Promise<unknown> {
  const p = w.acquire(tokens, maxWaitMs, signal);
  if (p === undefined) throw new Error(`${id} was admitted at once; expected it to wait`);
  return p.then(
    () => {
      log.push([id, clock.now() - T0]);
      return 'admitted';
    },
    (e: unknown) => e,
  );
}

/** Most admissions in any interval [t, t + w) of sorted times. */
function maxInWindow(sorted: number[], w: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + w) j++;
    max = Math.max(max, j - i);
  }
  return max;
}

describe('MemorySlidingWindow window semantics', () => {
  it('admits up to limit at once, then nothing until the oldest admission leaves the window', async () => {
    const w = windowOf();
    for (let i = 0; i < 5; i++) expect(w.acquire(1, 0)).toBeUndefined();
    expect(thrown(() => w.acquire(1, 0))).toBeInstanceOf(RateLimiterRejectedError);
    await clock.advance(999);
    expect(thrown(() => w.acquire(1, 0))).toBeInstanceOf(RateLimiterRejectedError);
    await clock.advance(1);
    expect(w.acquire(1, 0)).toBeUndefined();
    expect(w.available()).toBe(4); // all 5 of t = 0 left together
  });

  it.each([
    [10, true],
    [0, false],
  ])(
    'a provider that sees each request 0..10 ms after its admission counts <= limit per window (margin %d ms: %s)',
    async (margin, holds) => {
      const random = seededRandom(3);
      const w = windowOf({ limit: 10, windowMs: 200, safetyMarginMs: margin });
      const arrivals: number[] = [];
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 500; i++) {
        const arrive = () => void arrivals.push(clock.now() + random() * 10);
        const p = w.acquire(1, Infinity);
        if (p === undefined) arrive();
        else pending.push(p.then(arrive));
        if (i % 20 === 19) await clock.advance(1 + Math.floor(random() * 300));
      }
      await clock.runAll();
      await Promise.all(pending);
      arrivals.sort((a, b) => a - b);
      // The provider counts arrivals in any window of 200 ms.
      expect(maxInWindow(arrivals, 200) <= 10).toBe(holds);
    },
  );

  it('frees each admission exactly windowMs + safetyMarginMs after it, one by one', async () => {
    const w = windowOf({ limit: 3, safetyMarginMs: 50 });
    w.acquire(1, 0); // t = 0
    await clock.advance(100);
    w.acquire(1, 0); // t = 100
    await clock.advance(100);
    w.acquire(1, 0); // t = 200
    await clock.advance(849); // t = 1049: the first still counts (until 1050)
    expect(w.available()).toBe(0);
    await clock.advance(1);
    expect(w.available()).toBe(1);
    await clock.advance(99);
    expect(w.available()).toBe(1);
    await clock.advance(1);
    expect(w.available()).toBe(2);
  });

  it('counts tokens, not calls: a call of 3 tokens fits only where 3 are free', async () => {
    const w = windowOf({ limit: 10 });
    expect(w.acquire(4, 0)).toBeUndefined();
    expect(w.acquire(4, 0)).toBeUndefined();
    expect(w.available()).toBe(2);
    const err = thrown(() => w.acquire(3, 500)) as RateLimiterRejectedError;
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    expect(err.retryAfterMs).toBe(1000);
    expect(err.tokens).toBe(3);
    expect(w.acquire(2, 0)).toBeUndefined();
  });

  it('holds the bound in every window under random arrivals, tokens and aborts (and keeps its rate)', async () => {
    const random = seededRandom(7);
    const w = windowOf({ limit: 20, windowMs: 500, safetyMarginMs: 10 });
    const starts: number[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const tokens = 1 + Math.floor(random() * 3);
      const ac = random() < 0.05 ? new AbortController() : undefined;
      const p = w.acquire(tokens, Infinity, ac?.signal);
      const record = () => {
        for (let k = 0; k < tokens; k++) starts.push(clock.now());
      };
      if (p === undefined) record();
      else pending.push(p.then(record, () => undefined));
      if (ac !== undefined) ac.abort(new Error('gone'));
      await clock.advance(Math.floor(random() * 30));
    }
    await clock.runAll();
    await Promise.all(pending);
    starts.sort((a, b) => a - b);
    expect(maxInWindow(starts, 510)).toBeLessThanOrEqual(20);
    expect(maxInWindow(starts, 510)).toBe(20);
    expect(w.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('keeps a bounded log: one entry per millisecond at most, however many calls', async () => {
    const w = windowOf({ limit: 1e6, windowMs: 100 });
    for (let ms = 0; ms < 1000; ms++) {
      for (let i = 0; i < 50; i++) w.acquire(1, 0);
      await clock.advance(1);
    }
    expect((w as unknown as { log: { size: number } }).log.size).toBeLessThanOrEqual(101);
  });
});

describe('MemorySlidingWindow queue', () => {
  it('admits waiters in FIFO order; a newcomer never overtakes them', async () => {
    const w = windowOf({ limit: 2 });
    w.acquire(2, 0);
    const log: Array<[string, number]> = [];
    const a = queue(w, 2, log, 'a');
    const b = queue(w, 1, log, 'b');
    await clock.advance(10);
    const c = queue(w, 1, log, 'c'); // 1 token would not fit anyway, but it must queue behind b
    await clock.runAll();
    expect(await Promise.all([a, b, c])).toEqual(['admitted', 'admitted', 'admitted']);
    expect(log).toEqual([
      ['a', 1000],
      ['b', 2000],
      ['c', 2000],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('uses one timer, for the head only, however many wait', async () => {
    const w = windowOf({ limit: 1 });
    w.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const all = Array.from({ length: 50 }, (_, i) => queue(w, 1, log, `w${i}`));
    expect(clock.pendingTimers()).toBe(1);
    await clock.runAll();
    await Promise.all(all);
    expect(log.map(([, t]) => t)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 1000));
  });

  it('rejects at once with RateLimiterRejectedError and the wait quoted for everyone queued ahead', () => {
    const w = windowOf({ limit: 2, safetyMarginMs: 20 });
    w.acquire(2, 0);
    const log: Array<[string, number]> = [];
    void queue(w, 2, log, 'a'); // admitted at 1020
    void queue(w, 2, log, 'b'); // at 2040
    const err = thrown(() => w.acquire(1, 2000)) as RateLimiterRejectedError;
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    expect(err.retryAfterMs).toBe(3060);
    expect(err.policy).toBe('api');
    expect(w.waiting()).toBe(2);
  });

  it('reject mode (maxWaitMs 0) never queues', () => {
    const w = windowOf({ limit: 1 });
    w.acquire(1, 0);
    expect(thrown(() => w.acquire(1, 0))).toBeInstanceOf(RateLimiterRejectedError);
    expect(w.waiting()).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('an aborted waiter leaves at once with the abort reason, and the next one moves up', async () => {
    const w = windowOf({ limit: 1 });
    w.acquire(1, 0);
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = queue(w, 1, log, 'a', Infinity, ac.signal);
    const b = queue(w, 1, log, 'b');
    const reason = new Error('caller gave up');
    ac.abort(reason);
    expect(await a).toBe(reason);
    await clock.runAll();
    expect(await b).toBe('admitted');
    expect(log).toEqual([['b', 1000]]);
    const pre = new AbortController();
    pre.abort(reason);
    await expect(w.acquire(1, Infinity, pre.signal)).rejects.toBe(reason);
  });

  it('refund takes the tokens off the window and admits the head at once', async () => {
    const w = windowOf({ limit: 2 });
    w.acquire(2, 0);
    const log: Array<[string, number]> = [];
    const a = queue(w, 1, log, 'a');
    await clock.advance(100);
    w.refund(1);
    expect(await a).toBe('admitted');
    expect(log).toEqual([['a', 100]]);
    expect(w.available()).toBe(0);
    w.refund(5); // more than is counted: the window is just empty
    expect(w.available()).toBe(2);
  });

  it('pauseUntil admits nobody before the pause ends, then the window rules apply; resume ends it early', async () => {
    const w = windowOf({ limit: 3 });
    w.pauseUntil(T0 + 500);
    const log: Array<[string, number]> = [];
    const a = queue(w, 1, log, 'a');
    expect(thrown(() => w.acquire(1, 100))).toBeInstanceOf(RateLimiterRejectedError);
    await clock.runAll();
    expect(await a).toBe('admitted');
    expect(log).toEqual([['a', 500]]);
    w.pauseUntil(T0 + 5000);
    const b = queue(w, 1, log, 'b');
    await clock.advance(100);
    w.resume();
    expect(await b).toBe('admitted');
    expect(log[1]).toEqual(['b', 600]);
  });

  it('setSpec changes limit and window; waiters asking for more than the new limit fail with ResilienceConfigError', async () => {
    const w = windowOf({ limit: 4 });
    w.acquire(4, 0);
    const log: Array<[string, number]> = [];
    const big = queue(w, 4, log, 'big');
    w.setSpec({ rate: 2, periodMs: 200, burst: 999 });
    expect(await big).toBeInstanceOf(ResilienceConfigError);
    expect(w.spec()).toEqual({ rate: 2, periodMs: 200, burst: 2 });
    expect(w.available()).toBe(-2); // 4 counted, new limit 2, until they leave (200 ms)
    await clock.advance(200);
    expect(w.available()).toBe(2);
    expect(w.isIdle()).toBe(true);
  });

  it('refuses tokens above the limit with ResilienceConfigError', () => {
    expect(thrown(() => windowOf({ limit: 2 }).acquire(3, 0))).toBeInstanceOf(ResilienceConfigError);
  });
});

describe('RateLimiterPolicy with algorithm: sliding-window (memory store)', () => {
  it('creates a sliding window: limit per any window, same snapshot shape; updateLimit keeps burst = rate', async () => {
    const { RateLimiterPolicy } = await import('../rate-limiter/rate-limiter.policy.js');
    const limiter = RateLimiterPolicy.create(
      'win',
      { algorithm: 'sliding-window', rate: 3, periodMs: 1000, mode: 'reject' },
      { clock },
    );
    for (let i = 0; i < 3; i++) await limiter.acquire();
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    expect(limiter.snapshot()).toMatchObject({
      name: 'win',
      rate: 3,
      periodMs: 1000,
      burst: 3,
      available: 0,
      waiting: 0,
    });
    await clock.advance(1030); // windowMs + the default margin (3 % of 1000 ms)
    limiter.updateLimit({ rate: 5 });
    expect(limiter.snapshot()).toMatchObject({ rate: 5, burst: 5, available: 5 });
  });

  it('partitioned: one window per key', async () => {
    const { RateLimiterPolicy } = await import('../rate-limiter/rate-limiter.policy.js');
    const limiter = RateLimiterPolicy.create(
      'pw',
      { algorithm: 'sliding-window', rate: 1, periodMs: 1000, mode: 'reject', partitionKey: (k: string) => k },
      { clock },
    );
    await limiter.acquire(['a']);
    await limiter.acquire(['b']);
    await expect(limiter.acquire(['a'])).rejects.toBeInstanceOf(RateLimiterRejectedError);
  });
});
