import { beforeEach, describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock, type Clock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { MemoryStore } from '../store/memory-store.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from '../store/store.js';
import type { LimiterRejectedEvent, LimiterWaitEvent } from './rate-limiter.events.js';
import { normalizeRateLimiterOptions } from './rate-limiter.normalize.js';
import type { RateLimiterOptions } from './rate-limiter.options.js';
import { RateLimiterPolicy } from './rate-limiter.policy.js';

type Call = [op: string, key: string, ...rest: unknown[]];

/** A memory store recording the specs it was given and every acquire / refund / settle with its lane. */
class RecordingStore extends MemoryStore {
  readonly specs: Array<BucketSpec | SlidingWindowSpec> = [];
  readonly calls: Call[] = [];
  override createBucket(owner: StateOwner, spec: BucketSpec, clock: Clock): BucketBackend {
    this.specs.push(spec);
    return this.record(owner, super.createBucket(owner, spec, clock));
  }
  override createSlidingWindow(owner: StateOwner, spec: SlidingWindowSpec, clock: Clock): BucketBackend {
    this.specs.push(spec);
    return this.record(owner, super.createSlidingWindow(owner, spec, clock));
  }
  private record(owner: StateOwner, b: BucketBackend): BucketBackend {
    const { acquire, refund, settle } = b;
    b.acquire = (tokens, maxWaitMs, signal, lane) => {
      this.calls.push(['acquire', owner.key, tokens, lane]);
      return acquire.call(b, tokens, maxWaitMs, signal, lane);
    };
    b.refund = (tokens, lane) => {
      this.calls.push(['refund', owner.key, tokens, lane]);
      refund.call(b, tokens, lane);
    };
    b.settle = (reserved, actual, heldMs, lane) => {
      this.calls.push(['settle', owner.key, reserved, actual, heldMs, lane]);
      settle.call(b, reserved, actual, heldMs, lane);
    };
    return b;
  }
}

let clock: VirtualClock;
let store: RecordingStore;
beforeEach(() => {
  clock = new VirtualClock();
  store = new RecordingStore();
});

const LANES = {
  lanes: [{ name: 'interactive', reserve: 0.2 }, { name: 'standard' }, { name: 'batch', maxShare: 0.5 }],
};

function make(options: Partial<RateLimiterOptions> = {}, name = 'api'): RateLimiterPolicy {
  return RateLimiterPolicy.create(name, { rate: 10, ...LANES, ...options }, { clock, store });
}

const lanesAcquired = () => store.calls.filter((c) => c[0] === 'acquire').map((c) => c[3]);

describe('rate limiter lane options', () => {
  it('normalizes lanes into a plan and the lane option into a selector; none without lanes', () => {
    const o = normalizeRateLimiterOptions({ rate: 10, ...LANES, lane: 'batch', laneAgingMs: 100 }, 'limiters.api');
    expect(o.lanes!.lanes.map((l) => l.name)).toEqual(['interactive', 'standard', 'batch']);
    expect(o.lanes!.agingMs).toBe(100);
    expect(o.lane).toBe(2);
    expect('lanes' in normalizeRateLimiterOptions({ rate: 10 })).toBe(false);
    expect('lane' in normalizeRateLimiterOptions({ rate: 10, ...LANES })).toBe(false);
  });

  it.each([
    ['lane without lanes', { rate: 10, lane: 'a' }, 'limiters.api.lane', 'a'],
    ['an unknown lane', { rate: 10, ...LANES, lane: 'urgent' }, 'limiters.api.lane', 'urgent'],
    ['defaultLane without lanes', { rate: 10, defaultLane: 'a' }, 'limiters.api.defaultLane', 'a'],
    ['a bad lane', { rate: 10, lanes: [{ name: 'a', maxShare: 2 }] }, 'limiters.api.lanes[0].maxShare', 2],
    [
      'a cap below one call',
      { rate: 10, tokens: 4, lanes: [{ name: 'a' }, { name: 'b', maxShare: 0.3 }] },
      'limiters.api.lanes[1].maxShare',
      0.3,
    ],
    [
      'reserves leaving less than one call',
      { rate: 10, tokens: 4, lanes: [{ name: 'a', reserve: 0.7 }, { name: 'b' }] },
      'limiters.api.lanes',
      ['a', 'b'],
    ],
  ])('rejects %s, naming the path and the value', (_, options, path, value) => {
    let error: unknown;
    try {
      normalizeRateLimiterOptions(options as RateLimiterOptions, 'limiters.api');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResilienceConfigError);
    expect(error).toMatchObject({ path, value });
  });

  it('gives the plan to the bucket, to every partition, and to a sliding window', () => {
    const single = make();
    expect(store.specs[0]!.lanes).toBe(single.lanes);
    expect(single.lanes!.lanes[1]!.floorShare).toBe(0.2);
    const partitioned = make({ partitionKey: (tenant: string) => tenant }, 'tenants');
    void partitioned.acquire(['t1']);
    void partitioned.acquire(['t2']);
    expect(store.specs.slice(1).map((s) => s.lanes)).toEqual([partitioned.lanes, partitioned.lanes]);
    const window = make({ algorithm: 'sliding-window' }, 'window');
    expect(store.specs[3]).toMatchObject({ limit: 10 });
    expect(store.specs[3]!.lanes).toBe(window.lanes);
  });

  it('gives no plan to a limiter without lanes, and asks the bucket with no lane', async () => {
    const plain = RateLimiterPolicy.create('plain', { rate: 10 }, { clock, store });
    expect(plain.lanes).toBeUndefined();
    expect('lanes' in store.specs[0]!).toBe(false);
    await plain.execute(() => 1, { lane: 'ignored' });
    await plain.acquire([], 1, undefined, 'ignored');
    expect(lanesAcquired()).toEqual([undefined, undefined]);
  });

  it('resolves the lane: ExecuteOptions.lane, then the lane function of the args, then defaultLane', async () => {
    const limiter = make({ defaultLane: 'standard', lane: (job: { kind?: string }) => job.kind ?? 'standard' });
    await limiter.execute(() => 1, { args: [{ kind: 'batch' }], lane: 'interactive' });
    await limiter.execute(() => 1, { args: [{ kind: 'batch' }] });
    await limiter.execute(() => 1, { args: [{}] });
    expect(lanesAcquired()).toEqual([0, 2, 1]);
    const byDefault = make({ defaultLane: 'batch' }, 'default');
    await byDefault.execute(() => 1);
    await byDefault.acquire([], 1);
    await byDefault.acquire([], 1, undefined, 'standard');
    expect(lanesAcquired().slice(3)).toEqual([2, 2, 1]);
    expect(byDefault.laneFor([], 'interactive')).toBe(0);
  });

  it('refuses an unknown lane at call time with a typed error, taking no tokens', async () => {
    const limiter = make();
    const e = await limiter.execute(() => 1, { lane: 'urgent' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect(e).toMatchObject({ path: 'limiters.api.lane', value: 'urgent' });
    expect((e as Error).message).toContain("'interactive', 'standard', 'batch'");
    await expect(limiter.acquire([], 1, undefined, 'urgent')).rejects.toBeInstanceOf(ResilienceConfigError);
    expect(store.calls).toEqual([]);
    expect(limiter.snapshot().available).toBe(10);
  });

  it('settles through the backend in the call lane and partition', () => {
    const limiter = make({ partitionKey: (t: string) => t, lane: (_t: string, lane: string) => lane });
    limiter.settle(5, 2, 100, { args: ['t1', 'batch'] });
    limiter.settle(1, 3, 0, { args: ['t2', 'batch'], lane: 'interactive' });
    const settled = () => store.calls.filter((c) => c[0] === 'settle');
    expect(settled()).toEqual([
      ['settle', 'limiter:api:t1', 5, 2, 100, 2],
      ['settle', 'limiter:api:t2', 1, 3, 0, 0],
    ]);
    const plain = RateLimiterPolicy.create('plain', { rate: 10 }, { clock, store });
    plain.settle(2, 1, 0);
    expect(settled()[2]).toEqual(['settle', 'limiter:plain', 2, 1, 0, undefined]);
    expect(() => plain.settle(2, -1, 0)).toThrow(ResilienceConfigError);
    expect(() => plain.settle(NaN, 1, 0)).toThrow(ResilienceConfigError);
  });

  it('names the lane in wait and rejected events', async () => {
    const limiter = make({ maxWaitMs: 500 });
    const waits: LimiterWaitEvent[] = [];
    const rejected: LimiterRejectedEvent[] = [];
    limiter.onWait((e) => waits.push(e));
    limiter.onRejected((e) => rejected.push(e));
    await limiter.acquire([], 10, undefined, 'interactive');
    const waiting = limiter.execute(() => 'ok', { lane: 'standard', tokens: 1 });
    await flushMicrotasks();
    expect(waits).toEqual([{ type: 'limiter.wait', policy: 'api', tokens: 1, lane: 'standard' }]);
    const refused = await limiter.acquire([], 5, undefined, 'batch').catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(RateLimiterRejectedError);
    clock.advance(1000);
    expect(await waiting).toBe('ok');
    expect(rejected.map((e) => [e.lane, e.tokens])).toEqual([['batch', 5]]);
  });

  it('keeps the plan out of snapshots and across updateLimit', () => {
    const limiter = make();
    expect(limiter.snapshot()).toEqual({ name: 'api', rate: 10, periodMs: 1000, burst: 10, available: 10, waiting: 0 });
    limiter.updateLimit({ rate: 20, burst: 20 });
    expect(limiter.snapshot()).toMatchObject({ rate: 20, burst: 20 });
    const partitioned = make({ partitionKey: (t: string) => t }, 'p');
    partitioned.updateLimit({ rate: 5, burst: 5 });
    void partitioned.acquire(['t']);
    expect(store.specs.at(-1)).toMatchObject({ rate: 5, burst: 5 });
    expect(store.specs.at(-1)!.lanes).toBe(partitioned.lanes);
  });

  it('admits the higher lane first when callers of several lanes wait (memory bucket)', async () => {
    const limiter = RateLimiterPolicy.create(
      'ordered',
      { rate: 10, burst: 1, lanes: [{ name: 'interactive' }, { name: 'batch' }], defaultLane: 'batch' },
      { clock, store },
    );
    const order: string[] = [];
    await limiter.acquire();
    const calls = [
      limiter.execute(() => order.push('batch-1')),
      limiter.execute(() => order.push('batch-2')),
      limiter.execute(() => order.push('interactive-1'), { lane: 'interactive' }),
      limiter.execute(() => order.push('batch-3')),
      limiter.execute(() => order.push('interactive-2'), { lane: 'interactive' }),
    ];
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      await flushMicrotasks();
    }
    await Promise.all(calls);
    expect(order).toEqual(['interactive-1', 'interactive-2', 'batch-1', 'batch-2', 'batch-3']);
  });
});
