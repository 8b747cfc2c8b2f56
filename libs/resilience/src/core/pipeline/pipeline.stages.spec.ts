import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import { observe } from '../testing-support/observe.js';
import { createPipeline } from './pipeline.js';
import { TestBulkhead, tracedBreaker, tracedLimiter } from './testing-support/inline-stages.js';

class TransientError extends Error {
  readonly isTransient = true;
}

let clock: VirtualClock;
let store: MemoryStore;
let log: string[];

beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
  log = [];
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const breakerP = (o: object = {}) => CircuitBreakerPolicy.create('b', { failureThreshold: 1, ...o }, { clock, store });
const limiterP = (o: object = {}) =>
  RateLimiterPolicy.create('l', { rate: 10, periodMs: 1000, burst: 1, ...o }, { clock, store });
const retryP = (o: object = {}) =>
  RetryPolicy.create('r', { maxRetries: 2, baseDelayMs: 100, jitter: 'none', ...o }, { clock });

/** A function that logs `fn`, then waits for `gate` (when given). */
function upstream(value: string, gate?: Promise<void>) {
  return async () => {
    log.push('fn');
    if (gate !== undefined) await gate;
    return value;
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('createPipeline: stage order', () => {
  it('breaker precheck ▸ bulkhead slot ▸ tokens ▸ fn ▸ outcome ▸ slot back (no wait: the precheck permit is used)', async () => {
    const bulkhead = new TestBulkhead(1, Infinity, log);
    const run = createPipeline({
      breaker: tracedBreaker(breakerP(), log),
      bulkhead,
      limiter: tracedLimiter(limiterP(), log),
      clock,
    });
    expect(await run(upstream('ok'), undefined, [])).toBe('ok');
    expect(log).toEqual([
      'breaker.precheck',
      'bulkhead.enter',
      'limiter.acquire',
      'fn',
      'breaker.onSuccess',
      'bulkhead.leave',
    ]);
  });

  it('an attempt that waited for its slot is admitted by the breaker after its tokens', async () => {
    const bulkhead = new TestBulkhead(1, Infinity, log);
    const run = createPipeline({
      breaker: tracedBreaker(breakerP(), log),
      bulkhead,
      limiter: tracedLimiter(limiterP({ rate: 100, burst: 2 }), log),
      clock,
    });
    const g = gate();
    const first = observe(run(upstream('a', g.promise), undefined, []));
    const second = observe(run(upstream('b'), undefined, []));
    await clock.advance(0);
    log.length = 0;
    g.open();
    await clock.advance(0);
    expect([first.value, second.value]).toEqual(['a', 'b']);
    expect(log).toEqual([
      'breaker.onSuccess',
      'bulkhead.leave', // the first call's slot goes to the second
      'limiter.acquire',
      'breaker.admit',
      'fn',
      'breaker.onSuccess',
      'bulkhead.leave',
    ]);
  });

  it('an open breaker refuses before the bulkhead: no queue place, no token', async () => {
    const breaker = breakerP();
    const limiter = limiterP({ burst: 2, rate: 2 });
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ breaker, bulkhead, limiter, clock });
    const g = gate();
    const holder = observe(run(upstream('held', g.promise), undefined, []));
    await clock.advance(0);
    breaker.forceOpen();
    const refused = observe(run(upstream('never'), undefined, []));
    await clock.advance(0);
    expect(refused.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(bulkhead.queue).toHaveLength(0);
    expect(limiter.snapshot().available).toBeCloseTo(1, 6);
    g.open();
    await clock.advance(0);
    expect(holder.value).toBe('held');
    expect(log).toEqual(['fn']);
  });

  it('tokens are not taken while an attempt waits for a bulkhead slot', async () => {
    const limiter = limiterP({ rate: 1, periodMs: 10_000, burst: 2 });
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ bulkhead, limiter, clock });
    const g = gate();
    const first = observe(run(upstream('a', g.promise), undefined, []));
    const second = observe(run(upstream('b'), undefined, []));
    await clock.advance(0);
    expect(limiter.snapshot().available).toBeCloseTo(1, 6); // only the running call took a token
    await clock.advance(5_000);
    expect(bulkhead.queue).toHaveLength(1);
    expect(limiter.snapshot().available).toBeCloseTo(1.5, 6); // half a token refilled, none taken
    g.open();
    await clock.advance(0);
    expect([first.value, second.value]).toEqual(['a', 'b']);
    expect(limiter.snapshot().available).toBeCloseTo(0.5, 6);
  });

  it('a breaker that opened while the attempt waited for its slot refuses it: tokens back, slot back', async () => {
    const breaker = breakerP();
    const limiter = limiterP({ rate: 2, burst: 2 });
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ breaker, bulkhead, limiter, clock });
    const g = gate();
    const first = observe(run(upstream('a', g.promise), undefined, []));
    const queued = observe(run(upstream('never'), undefined, []));
    await clock.advance(0);
    breaker.forceOpen();
    g.open();
    await clock.advance(0);
    expect(first.value).toBe('a');
    expect(queued.error).toBeInstanceOf(CircuitBreakerOpenError);
    expect(limiter.snapshot().available).toBeCloseTo(1, 6);
    expect([bulkhead.entered, bulkhead.left, bulkhead.active]).toEqual([2, 2, 0]);
    expect(log).toEqual(['fn']);
  });
});

describe('createPipeline: the bulkhead slot is given back exactly once on every path', () => {
  const paths: Array<[string, (b: TestBulkhead) => Promise<unknown>, number]> = [
    ['success', (b) => createPipeline({ bulkhead: b, clock })(upstream('ok'), undefined, []), 1],
    [
      'fn throws',
      (b) =>
        createPipeline({ bulkhead: b, clock })(
          () => {
            throw new Error('sync');
          },
          undefined,
          [],
        ),
      1,
    ],
    [
      'limiter refuses',
      async (b) => {
        const limiter = limiterP({ mode: 'reject' });
        await limiter.acquire();
        return createPipeline({ bulkhead: b, limiter, clock })(upstream('x'), undefined, []);
      },
      1,
    ],
    [
      'tokens function throws',
      (b) =>
        createPipeline({ bulkhead: b, limiter: limiterP({ tokens: () => 99 }), clock })(upstream('x'), undefined, []),
      1,
    ],
    [
      'breaker opens during the attempt',
      (b) =>
        createPipeline({ bulkhead: b, breaker: breakerP(), clock })(
          () => Promise.reject(new Error('down')),
          undefined,
          [],
        ),
      1,
    ],
    [
      'three attempts (retry)',
      (b) =>
        createPipeline({ retry: retryP({ retryOn: () => true }), bulkhead: b, clock })(
          () => Promise.reject(new TransientError('t')),
          undefined,
          [],
        ),
      3,
    ],
  ];

  it.each(paths)('%s', async (_label, call, attempts) => {
    const bulkhead = new TestBulkhead(1);
    const s = observe(call(bulkhead));
    await clock.runAll();
    expect(s.state).not.toBe('pending');
    expect([bulkhead.entered, bulkhead.left, bulkhead.active]).toEqual([attempts, attempts, 0]);
  });

  it('abort while queued for a slot, or for tokens: nothing is held afterwards', async () => {
    const limiter = limiterP();
    const bulkhead = new TestBulkhead(1);
    const run = createPipeline({ bulkhead, limiter, clock });
    const g = gate();
    const holder = observe(run(upstream('a', g.promise), undefined, []));
    const ac = new AbortController();
    const queued = observe(run(upstream('never'), undefined, [], ac.signal));
    await clock.advance(0);
    ac.abort('bye');
    await clock.advance(0);
    expect(queued.error).toBe('bye');
    expect(bulkhead.queue).toHaveLength(0);
    g.open();
    await clock.advance(0);
    expect(holder.value).toBe('a');
    const ac2 = new AbortController();
    const forTokens = observe(run(upstream('never'), undefined, [], ac2.signal)); // the bucket is empty
    await clock.advance(10);
    expect(limiter.snapshot().waiting).toBe(1);
    ac2.abort('gone');
    await clock.advance(0);
    expect(forTokens.error).toBe('gone');
    expect([bulkhead.entered, bulkhead.left, bulkhead.active]).toEqual([2, 2, 0]);
    expect(log).toEqual(['fn']);
  });
});
