import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock, type Clock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { BucketBackend, BucketSpec, StateOwner } from '../store/store.js';
import type { RateLimiterOptions } from './rate-limiter.options.js';
import { RateLimiterPolicy } from './rate-limiter.policy.js';

/** A memory store that records which buckets it created. */
class CountingStore extends MemoryStore {
  readonly created: string[] = [];
  override createBucket(owner: StateOwner, spec: BucketSpec, clock: Clock): BucketBackend {
    this.created.push(owner.key);
    return super.createBucket(owner, spec, clock);
  }
}

let clock: VirtualClock;
let T0: number;
let store: CountingStore;

beforeEach(() => {
  clock = new VirtualClock();
  T0 = clock.now();
  store = new CountingStore();
});

function make(options: RateLimiterOptions, name = 'api'): RateLimiterPolicy {
  return RateLimiterPolicy.create(name, options, { clock, store });
}

/** Resolves to what `p` rejected with. */
function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** Starts `execute` and records the virtual time (relative to T0) at which `fn` ran. */
function timed(
  l: RateLimiterPolicy,
  log: Array<[string, number]>,
  id: string,
  args: unknown[] = [],
  signal?: AbortSignal,
): Promise<unknown> {
  return l
    .execute(
      () => {
        log.push([id, clock.now() - T0]);
        return id;
      },
      { args, signal },
    )
    .catch((e: unknown) => e);
}

describe('RateLimiterPolicy basics', () => {
  it('execute runs fn and returns its value while tokens last; the bucket is keyed by name', async () => {
    const l = make({ rate: 2, periodMs: 1000 });
    expect(await l.execute(() => 'a')).toBe('a');
    expect(await l.execute(async () => 42)).toBe(42);
    expect(l.snapshot()).toEqual({ name: 'api', rate: 2, periodMs: 1000, burst: 2, available: 0, waiting: 0 });
    expect(store.created).toEqual(['limiter:api']);
    expect(l.partitionCount).toBe(0);
  });

  it('reject mode fails at once with RateLimiterRejectedError (policy, tokens, retryAfterMs) and never calls fn', async () => {
    const l = make({ rate: 1, periodMs: 1000, burst: 1, mode: 'reject' });
    await l.execute(() => 'x');
    let calls = 0;
    const e = (await rejection(l.execute(() => calls++))) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.policy).toBe('api');
    expect(e.tokens).toBe(1);
    expect(e.retryAfterMs).toBe(1000);
    expect(e.isTransient).toBe(true);
    expect(e.toJSON()).toMatchObject({ policy: 'api', tokens: 1, retryAfterMs: 1000 });
    expect(calls).toBe(0);
    expect(clock.now()).toBe(T0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('wait mode queues up to maxWaitMs; beyond it fails at once with the estimated wait', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 1, maxWaitMs: 250 });
    const log: Array<[string, number]> = [];
    const ps = [timed(l, log, 'a'), timed(l, log, 'b'), timed(l, log, 'c')];
    const late = timed(l, log, 'd');
    const e = (await late) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.policy).toBe('api');
    expect(e.tokens).toBe(1);
    expect(e.retryAfterMs).toBe(300);
    expect(clock.now()).toBe(T0);
    expect(l.snapshot().waiting).toBe(2);
    await clock.runAll();
    expect(await Promise.all(ps)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual([
      ['a', 0],
      ['b', 100],
      ['c', 200],
    ]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('acquire resolves when admitted, in FIFO order', async () => {
    const l = make({ rate: 4, periodMs: 1000, burst: 1 });
    const order: Array<[number, number]> = [];
    const ps = [1, 2, 3].map((i) => l.acquire().then(() => order.push([i, clock.now() - T0])));
    await clock.runAll();
    await Promise.all(ps);
    expect(order).toEqual([
      [1, 0],
      [2, 250],
      [3, 500],
    ]);
  });

  it('an aborted execute rejects with signal.reason, never calls fn, and gives its tokens back', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 1 });
    await l.acquire();
    const log: Array<[string, number]> = [];
    const ac = new AbortController();
    const a = timed(l, log, 'a', [], ac.signal);
    const b = timed(l, log, 'b');
    await clock.advance(30);
    const reason = new Error('client disconnected');
    ac.abort(reason);
    expect(await a).toBe(reason);
    expect(l.snapshot().waiting).toBe(1);
    await clock.runAll();
    expect(await b).toBe('b');
    expect(log).toEqual([['b', 100]]);
    expect(l.snapshot().waiting).toBe(0);
  });
});

describe('RateLimiterPolicy tokens', () => {
  it('takes the tokens the function computes from the call arguments', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 10, tokens: (req: { cost: number }) => req.cost });
    expect(l.tokensFor([{ cost: 3 }])).toBe(3);
    await l.execute(() => 'x', { args: [{ cost: 3 }] });
    expect(l.snapshot().available).toBe(7);
    await l.acquire([{ cost: 7 }]);
    expect(l.snapshot().available).toBe(0);
    // An explicit count overrides the function.
    const log: Array<[string, number]> = [];
    const p = l.acquire([{ cost: 9 }], 2).then(() => log.push(['explicit', clock.now() - T0]));
    await clock.runAll();
    await p;
    expect(log).toEqual([['explicit', 200]]);
  });

  it('the reject error carries the computed token count', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 10, tokens: (n: number) => n, mode: 'reject' });
    await l.acquire([8]);
    const e = (await rejection(l.execute(() => 0, { args: [5] }))) as RateLimiterRejectedError;
    expect(e.tokens).toBe(5);
    expect(e.retryAfterMs).toBe(300);
  });

  it.each([11, 0, -1, NaN, '3'])(
    'a tokens function returning %p fails with ResilienceConfigError naming limiters.<name>.tokens',
    async (bad) => {
      const l = make({ rate: 10, periodMs: 1000, burst: 10, tokens: () => bad as number }, 'partner');
      let calls = 0;
      const e = (await rejection(l.execute(() => calls++))) as ResilienceConfigError;
      expect(e).toBeInstanceOf(ResilienceConfigError);
      expect(e.path).toBe('limiters.partner.tokens');
      expect(Object.is(e.value, bad)).toBe(true);
      expect(e.message).toContain('limiters.partner.tokens');
      expect(calls).toBe(0);
      expect(l.snapshot().available).toBe(10);
    },
  );

  it('an explicit token count above burst fails with ResilienceConfigError', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 4 }, 'partner');
    const e = (await rejection(l.acquire([], 5))) as ResilienceConfigError;
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect(e.path).toBe('limiters.partner.tokens');
    expect(e.value).toBe(5);
  });

  it('create() validates options with paths under limiters.<name>', () => {
    expect(() => make({ rate: -1 }, 'partner')).toThrow(ResilienceConfigError);
    try {
      make({ rate: 5, burst: 2, tokens: 3 }, 'partner');
    } catch (e) {
      expect((e as ResilienceConfigError).path).toBe('limiters.partner.burst');
      expect((e as ResilienceConfigError).value).toBe(2);
    }
    expect.assertions(3);
  });
});

describe('RateLimiterPolicy updateLimit and pauseUntil', () => {
  it('updateLimit changes the rate at run time and clamps the level to the new burst', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 10 });
    l.updateLimit({ burst: 4 });
    expect(l.snapshot()).toMatchObject({ rate: 10, periodMs: 1000, burst: 4, available: 4 });
    await l.acquire([], 4);
    l.updateLimit({ rate: 20 });
    expect(l.snapshot()).toMatchObject({ rate: 20, burst: 4 });
    const log: Array<[string, number]> = [];
    const ps = ['a', 'b', 'c'].map((id) => timed(l, log, id));
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toEqual([
      ['a', 50],
      ['b', 100],
      ['c', 150],
    ]);
  });

  it('updateLimit with a bad value throws naming the option and changes nothing', () => {
    const l = make({ rate: 10, periodMs: 1000 });
    for (const [k, v] of [
      ['rate', 0],
      ['periodMs', NaN],
      ['burst', Infinity],
    ] as const) {
      let err: unknown;
      try {
        l.updateLimit({ [k]: v });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(`limiters.api.${k}`);
      expect(Object.is((err as ResilienceConfigError).value, v)).toBe(true);
    }
    expect(l.snapshot()).toMatchObject({ rate: 10, periodMs: 1000, burst: 10 });
  });

  it('pauseUntil admits nobody before the pause ends, then the normal rate resumes', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 5 });
    l.pauseUntil(T0 + 2000);
    const log: Array<[string, number]> = [];
    const ps = ['a', 'b', 'c'].map((id) => timed(l, log, id));
    await clock.advance(1999);
    expect(log).toEqual([]);
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toEqual([
      ['a', 2100],
      ['b', 2200],
      ['c', 2300],
    ]);
  });

  it('pauseUntil in reject mode rejects with the time until the pause ends', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 5, mode: 'reject' });
    l.pauseUntil(T0 + 700);
    const e = (await rejection(l.acquire())) as RateLimiterRejectedError;
    expect(e.retryAfterMs).toBe(800);
  });
});

describe('RateLimiterPolicy partitions', () => {
  const byUser = (user: string) => user;

  it('keeps an independent bucket per partition key', async () => {
    const l = make({ rate: 1, periodMs: 1000, burst: 2, mode: 'reject', partitionKey: byUser });
    await l.acquire(['alice']);
    await l.acquire(['alice']);
    const e = (await rejection(l.acquire(['alice']))) as RateLimiterRejectedError;
    expect(e).toBeInstanceOf(RateLimiterRejectedError);
    expect(e.partitionKey).toBe('alice');
    expect(e.retryAfterMs).toBe(1000);
    // bob is unaffected
    await l.acquire(['bob']);
    expect(l.snapshot('alice')).toEqual({
      name: 'api',
      partitionKey: 'alice',
      rate: 1,
      periodMs: 1000,
      burst: 2,
      available: 0,
      waiting: 0,
    });
    expect(l.snapshot('bob')).toMatchObject({ partitionKey: 'bob', available: 1 });
    expect(l.snapshot('carol')).toMatchObject({ partitionKey: 'carol', available: 2, waiting: 0 });
    expect(l.partitionCount).toBe(2);
    expect(l.snapshot()).toMatchObject({ name: 'api', partitions: 2, waiting: 0 });
    expect(store.created).toEqual(['limiter:api:alice', 'limiter:api:bob']);
  });

  it('waiters in one partition do not delay another; the aggregate snapshot sums waiters', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 1, partitionKey: byUser });
    const log: Array<[string, number]> = [];
    const ps = [
      timed(l, log, 'a1', ['alice']),
      timed(l, log, 'a2', ['alice']),
      timed(l, log, 'a3', ['alice']),
      timed(l, log, 'b1', ['bob']),
    ];
    expect(l.snapshot()).toMatchObject({ waiting: 2, partitions: 2 });
    await clock.runAll();
    await Promise.all(ps);
    expect(log).toEqual([
      ['a1', 0],
      ['b1', 0],
      ['a2', 100],
      ['a3', 200],
    ]);
  });

  it('pauseUntil with a key pauses only that partition; without a key, all of them', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 1, mode: 'reject', partitionKey: byUser });
    l.pauseUntil(T0 + 500, 'alice');
    expect(((await rejection(l.acquire(['alice']))) as RateLimiterRejectedError).retryAfterMs).toBe(600);
    await l.acquire(['bob']);
    await clock.advance(100);
    l.pauseUntil(T0 + 1000);
    expect(((await rejection(l.acquire(['bob']))) as RateLimiterRejectedError).retryAfterMs).toBe(1000);
    expect(((await rejection(l.acquire(['alice']))) as RateLimiterRejectedError).retryAfterMs).toBe(1000);
  });

  it('updateLimit applies to every partition and to partitions created later', async () => {
    const l = make({ rate: 10, periodMs: 1000, burst: 5, partitionKey: byUser });
    await l.acquire(['alice']);
    l.updateLimit({ rate: 2, burst: 2 });
    expect(l.snapshot('alice')).toMatchObject({ rate: 2, burst: 2, available: 2 });
    await l.acquire(['bob']);
    expect(l.snapshot('bob')).toMatchObject({ rate: 2, burst: 2, available: 1 });
  });

  it('maxPartitions bounds the map, evicting idle (full, no waiters) buckets before older busy ones', async () => {
    const l = make({ rate: 1, periodMs: 1000, burst: 2, partitionKey: byUser, maxPartitions: 2 });
    await l.acquire(['alice'], 2); // alice: empty, least recently used
    await l.acquire(['bob']); // bob: level 1, more recently used
    await clock.advance(1500); // bob full again (idle); alice at 1.5 (busy)
    expect(l.snapshot('bob').available).toBe(2);
    expect(l.snapshot('alice').available).toBe(1.5);
    await l.acquire(['carol']);
    expect(l.partitionCount).toBe(2);
    // bob (idle, more recent) was evicted, alice (busy, older) kept: alice's state is intact.
    expect(l.snapshot('alice').available).toBe(1.5);
    await l.acquire(['alice']);
    expect(store.created).toEqual(['limiter:api:alice', 'limiter:api:bob', 'limiter:api:carol']);
    await l.acquire(['bob']);
    expect(store.created).toEqual(['limiter:api:alice', 'limiter:api:bob', 'limiter:api:carol', 'limiter:api:bob']);
    expect(l.partitionCount).toBe(2);
  });

  it('stays bounded when every partition is busy (least recently used evicted)', async () => {
    const l = make({ rate: 1, periodMs: 60_000, burst: 1, partitionKey: byUser, maxPartitions: 3 });
    for (let i = 0; i < 50; i++) await l.acquire([`user-${i}`]);
    expect(l.partitionCount).toBe(3);
    expect(l.snapshot()).toMatchObject({ partitions: 3 });
    for (const k of ['user-47', 'user-48', 'user-49']) expect(l.snapshot(k).available).toBe(0);
    expect(store.created).toHaveLength(50);
  });
});
