import {
  MemoryStore,
  RateLimiterRejectedError,
  ResilienceConfigError,
  VirtualClock,
  type BucketSpec,
  type Clock,
  type StateOwner,
} from 'nest-resilience';
import { EndpointRateLimiter } from 'nest-resilience/http';

async function outcome(p: Promise<unknown>): Promise<'ok' | unknown> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e;
  }
}

describe('EndpointRateLimiter', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock();
  });

  it('one bucket per endpoint key, each with the default rate', async () => {
    const l = new EndpointRateLimiter({ rate: 2, mode: 'reject' }, { clock });
    expect(await outcome(l.acquire({ key: 'a' }))).toBe('ok');
    expect(await outcome(l.acquire({ key: 'a' }))).toBe('ok');
    const err = await outcome(l.acquire({ key: 'a' }));
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    expect((err as RateLimiterRejectedError).policy).toBe('endpoints:a');
    expect((err as RateLimiterRejectedError).retryAfterMs).toBe(500);
    // b is untouched by a
    expect(await outcome(l.acquire({ key: 'b' }))).toBe('ok');
    expect(await outcome(l.acquire({ key: 'b' }))).toBe('ok');
    expect(l.keys().sort()).toEqual(['a', 'b']);
    expect(l.snapshot('a')).toMatchObject({
      name: 'endpoints:a',
      rate: 2,
      periodMs: 1000,
      burst: 2,
      available: 0,
      waiting: 0,
    });
  });

  it('configured per-endpoint limits', async () => {
    const l = new EndpointRateLimiter(
      { rate: 10, limits: { slow: { rate: 1, periodMs: 60_000 } }, mode: 'reject' },
      { clock },
    );
    expect(l.limitOf('slow')).toEqual({ rate: 1, periodMs: 60_000, burst: 1 });
    expect(l.limitOf('other')).toEqual({ rate: 10, periodMs: 1000, burst: 10 });
    expect(await outcome(l.acquire({ key: 'slow' }))).toBe('ok');
    const err = await outcome(l.acquire({ key: 'slow' }));
    expect((err as RateLimiterRejectedError).retryAfterMs).toBe(60_000);
  });

  it('updateRateLimit changes a live bucket at run time', async () => {
    const l = new EndpointRateLimiter({ rate: 1, mode: 'reject' }, { clock });
    expect(await outcome(l.acquire({ key: 'x' }))).toBe('ok');
    expect(((await outcome(l.acquire({ key: 'x' }))) as RateLimiterRejectedError).retryAfterMs).toBe(1000);
    l.updateRateLimit('x', { rate: 10 });
    expect(l.limitOf('x')).toEqual({ rate: 10, periodMs: 1000, burst: 10 });
    expect(l.snapshot('x')).toMatchObject({ rate: 10, burst: 10 });
    await clock.advance(100); // one token at 10/s
    expect(await outcome(l.acquire({ key: 'x' }))).toBe('ok');
    expect(((await outcome(l.acquire({ key: 'x' }))) as RateLimiterRejectedError).retryAfterMs).toBe(100);
    // lowering the burst clamps the level
    await clock.advance(10_000);
    l.updateRateLimit('x', { burst: 3 });
    expect(l.snapshot('x')).toMatchObject({ rate: 10, burst: 3, available: 3 });
  });

  it('keeps the core bound per key: in every window W, admitted ≤ burst + rate × W / period', async () => {
    const l = new EndpointRateLimiter({ rate: 5, burst: 3, maxWaitMs: Infinity }, { clock });
    const t0 = clock.now();
    const admitted: number[] = [];
    const other: number[] = [];
    const all = [
      ...Array.from({ length: 60 }, () => l.acquire({ key: 'hot' }).then(() => admitted.push(clock.now()))),
      ...Array.from({ length: 10 }, () => l.acquire({ key: 'cold' }).then(() => other.push(clock.now()))),
    ];
    for (let t = 0; t < 15_000; t += 50) await clock.advance(50);
    await Promise.all(all);
    expect(admitted).toHaveLength(60);
    expect(other.slice(0, 3)).toEqual([t0, t0, t0]); // its own full bucket, untouched by 'hot'
    for (const w of [1, 200, 1000, 5000]) {
      for (const start of admitted) {
        const inWindow = admitted.filter((t) => t >= start && t < start + w).length;
        expect(inWindow).toBeLessThanOrEqual(3 + (5 * w) / 1000 + 1e-9);
      }
    }
    // Not vacuous: the bucket is used at its full rate.
    expect(admitted.filter((t) => t < t0 + 1000).length).toBe(3 + 4);
  });

  it('wait mode: waiters on one key queue FIFO and are admitted at the new rate', async () => {
    const l = new EndpointRateLimiter({ rate: 1, burst: 1 }, { clock });
    await l.acquire({ key: 'k' });
    const order: number[] = [];
    const ps = [1, 2, 3].map((i) => l.execute(() => order.push(i), { key: 'k' }));
    await clock.advance(999);
    expect(order).toEqual([]);
    l.updateRateLimit('k', { rate: 4, burst: 1 }); // 250 ms per token from now
    await clock.advance(250);
    expect(order).toEqual([1]);
    await clock.advance(500);
    expect(order).toEqual([1, 2, 3]);
    await Promise.all(ps);
  });

  it('an update for an endpoint without a bucket applies when it is created, and survives eviction', async () => {
    const l = new EndpointRateLimiter({ rate: 5, maxEndpoints: 2, mode: 'reject' }, { clock });
    l.updateRateLimit('later', { rate: 1, periodMs: 2000 });
    expect(l.size).toBe(0);
    expect(l.snapshot('later')).toMatchObject({ rate: 1, periodMs: 2000, burst: 1, available: 1, waiting: 0 });
    await l.acquire({ key: 'later' });
    expect(((await outcome(l.acquire({ key: 'later' }))) as RateLimiterRejectedError).retryAfterMs).toBe(2000);
    await clock.advance(2000); // idle again
    await l.acquire({ key: 'a' });
    await l.acquire({ key: 'b' });
    expect(l.size).toBe(2);
    expect(l.keys()).not.toContain('later');
    expect(l.limitOf('later')).toEqual({ rate: 1, periodMs: 2000, burst: 1 });
    await l.acquire({ key: 'later' }); // a new bucket, with the override
    expect(l.snapshot('later')).toMatchObject({ rate: 1, periodMs: 2000, burst: 1, available: 0 });
  });

  it('is bounded: at most maxEndpoints buckets, idle ones evicted first', async () => {
    const l = new EndpointRateLimiter({ rate: 10, maxEndpoints: 3 }, { clock });
    await l.acquire({ key: 'busy' }); // not idle (a token is missing)
    for (let i = 0; i < 20; i++) {
      await l.acquire({ key: `k${i}` });
      await clock.advance(200); // refilled → idle
      await l.acquire({ key: 'busy' }); // keep "busy" most recently used and not full
    }
    expect(l.size).toBeLessThanOrEqual(3);
    expect(l.keys()).toContain('busy');
    await clock.advance(1000);
    const live = l.size;
    expect(l.sweep()).toBe(live);
    expect(l.size).toBe(0);
  });

  it('uses the given store (one createBucket per key, named by the limiter)', async () => {
    const owners: string[] = [];
    class SpyStore extends MemoryStore {
      override createBucket(owner: StateOwner, spec: BucketSpec, c: Clock) {
        owners.push(`${owner.key}:${spec.rate}`);
        return super.createBucket(owner, spec, c);
      }
    }
    const l = new EndpointRateLimiter({ name: 'llm', rate: 3 }, { clock, store: new SpyStore() });
    await l.acquire({ key: 'openai' });
    await l.acquire({ key: 'openai' });
    await l.acquire({ key: 'anthropic' });
    expect(owners).toEqual(['limiter:llm%3Aopenai:3', 'limiter:llm%3Aanthropic:3']);
  });

  it('abort while waiting rejects with the signal reason', async () => {
    const l = new EndpointRateLimiter({ rate: 1 }, { clock });
    await l.acquire({ key: 'k' });
    const ac = new AbortController();
    const p = outcome(l.acquire({ key: 'k', signal: ac.signal }));
    const reason = new Error('stop');
    ac.abort(reason);
    expect(await p).toBe(reason);
    expect(l.snapshot('k').waiting).toBe(0);
  });

  it('validates options and updates with ResilienceConfigError', () => {
    const path = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(ResilienceConfigError);
        return (e as ResilienceConfigError).path;
      }
      return 'no error';
    };
    expect(path(() => new EndpointRateLimiter({ rate: -1 }))).toBe('endpointLimiters.endpoints.rate');
    expect(path(() => new EndpointRateLimiter({ limits: { a: { rate: 0 } } }))).toBe(
      'endpointLimiters.endpoints.limits.a.rate',
    );
    expect(path(() => new EndpointRateLimiter({ maxEndpoints: 0 }))).toBe('endpointLimiters.endpoints.maxEndpoints');
    expect(path(() => new EndpointRateLimiter({ rat: 1 } as never))).toBe('endpointLimiters.endpoints.rat');
    const l = new EndpointRateLimiter({}, { clock });
    expect(path(() => l.updateRateLimit('a', { rate: 0 }))).toBe('endpointLimiters.endpoints.limits.a.rate');
    expect(path(() => l.updateRateLimit('a', { periodMs: Number.NaN }))).toBe(
      'endpointLimiters.endpoints.limits.a.periodMs',
    );
    expect(l.limitOf('a')).toEqual({ rate: 10, periodMs: 1000, burst: 10 });
    expect(path(() => new EndpointRateLimiter({ name: 'llm', mode: 'queue' } as never))).toBe(
      'endpointLimiters.llm.mode',
    );
    expect(path(() => new EndpointRateLimiter({ name: 'llm', limits: { a: { rate: 1, perod: 5 } } } as never))).toBe(
      'endpointLimiters.llm.limits.a.perod',
    );
    expect(path(() => new EndpointRateLimiter({}, { clock: {} as never }))).toBe(
      'endpointLimiters.endpoints.clock.now',
    );
  });

  it('one call shape: execute(fn, { key, signal, tokens }) hands fn its context; tokens are checked', async () => {
    const l = new EndpointRateLimiter({ rate: 1, burst: 3, mode: 'reject' }, { clock });
    const ac = new AbortController();
    const seen = await l.execute((ctx) => ctx, { key: 'k', signal: ac.signal, tokens: 2 });
    expect(seen).toEqual({ signal: ac.signal, attempt: 1 });
    expect(l.snapshot('k').available).toBe(1);
    expect(await l.execute((ctx) => ctx.signal, { key: 'k' })).toBeUndefined();
    expect(await outcome(l.execute(() => 1, { key: 'k' }))).toBeInstanceOf(RateLimiterRejectedError);
    const bad = (await outcome(l.execute(() => 1, { key: 'k', tokens: 4 }))) as ResilienceConfigError;
    expect(bad).toBeInstanceOf(ResilienceConfigError);
    expect(bad.path).toBe('endpointLimiters.endpoints.tokens');
    const noKey = (await outcome(l.acquire({} as never))) as ResilienceConfigError;
    expect(noKey.path).toBe('endpointLimiters.endpoints.key');
  });
});
