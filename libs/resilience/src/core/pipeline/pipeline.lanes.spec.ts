import { beforeEach, describe, expect, it } from '@jest/globals';
import { flushMicrotasks, VirtualClock } from '../clock.js';
import { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import { normalizeLanes } from '../lanes/lanes.normalize.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { MemoryStore } from '../store/memory-store.js';
import type { BucketBackend } from '../store/store.js';
import { createPipeline } from './pipeline.js';
import type { BulkheadStage, LimiterStage } from './stages.js';
import { fallbackStage, TestBulkhead, timeoutStage } from './testing-support/inline-stages.js';

const PLAN = normalizeLanes('test', { lanes: [{ name: 'hi' }, { name: 'mid' }, { name: 'lo' }] })!;
const index = (lane: string | undefined) => (lane === undefined ? 1 : PLAN.index.get(lane)!);

let clock: VirtualClock;
let store: MemoryStore;
let log: unknown[][];
beforeEach(() => {
  clock = new VirtualClock(0);
  store = new MemoryStore();
  log = [];
});

/** A limiter stage over a real memory bucket (`burst` tokens, 1 per 100 ms) logging lanes asked and given. */
function limiter(o: { lanes?: boolean; burst?: number } = {}): LimiterStage {
  const burst = o.burst ?? 10;
  const bucket: BucketBackend = store.createBucket(
    { policy: 'l', partitionKey: undefined, key: 'limiter:l' },
    { rate: 10, periodMs: 1000, burst },
    clock,
  );
  const { acquire, refund } = bucket;
  bucket.acquire = (tokens, maxWaitMs, signal, lane) => {
    log.push(['acquire', tokens, lane]);
    return acquire.call(bucket, tokens, maxWaitMs, signal, lane);
  };
  bucket.refund = (tokens, lane) => {
    log.push(['refund', tokens, lane]);
    refund.call(bucket, tokens, lane);
  };
  return {
    name: 'l',
    maxWaitMs: 10_000,
    lanes: o.lanes === false ? undefined : PLAN,
    bucketFor: () => bucket,
    tokensFor: () => 1,
    laneFor(args, lane) {
      log.push(['limiter.laneFor', args, lane]);
      return index(lane ?? (args[0] as string | undefined));
    },
  };
}

/** A bulkhead stage (one slot) whose `enter` logs the lane it is given. */
function bulkhead(o: { lanes?: boolean } = {}): BulkheadStage {
  const inner = new TestBulkhead(1);
  return {
    name: 'b',
    lanes: o.lanes === false ? undefined : PLAN,
    enter(signal, lane) {
      log.push(['enter', lane]);
      return inner.enter(signal);
    },
    leave: () => inner.leave(),
    laneFor(args, lane) {
      log.push(['bulkhead.laneFor', args, lane]);
      return index(lane ?? (args[0] as string | undefined));
    },
  };
}

const ok = () => 'ok';

describe('pipeline lanes', () => {
  it('limiter only: ExecuteOptions.lane reaches laneFor and the bucket; the method form resolves from its args', async () => {
    const p = createPipeline({ limiter: limiter(), clock });
    expect(await p.execute(ok, { lane: 'lo', args: ['hi'] })).toBe('ok');
    expect(await p((x: string) => x, undefined, ['hi'])).toBe('hi');
    expect(await p.execute(ok)).toBe('ok');
    expect(log).toEqual([
      ['limiter.laneFor', ['hi'], 'lo'],
      ['acquire', 1, 2],
      ['limiter.laneFor', ['hi'], undefined],
      ['acquire', 1, 0],
      ['limiter.laneFor', [], undefined],
      ['acquire', 1, 1],
    ]);
  });

  it('asks no lane of a stage without lanes (the bucket gets none)', async () => {
    const p = createPipeline({ limiter: limiter({ lanes: false }), clock });
    await p.execute(ok, { lane: 'lo' });
    await p(ok, undefined, ['hi']);
    expect(log).toEqual([
      ['acquire', 1, undefined],
      ['acquire', 1, undefined],
    ]);
    const q = createPipeline({ bulkhead: bulkhead({ lanes: false }), limiter: limiter({ lanes: false }), clock });
    log.length = 0;
    await q.execute(ok, { lane: 'lo' });
    expect(log).toEqual([
      ['enter', undefined],
      ['acquire', 1, undefined],
    ]);
  });

  it('keeps the lane of a call that waits for its tokens, and of its retries', async () => {
    const retry = RetryPolicy.create('r', { maxRetries: 1, baseDelayMs: 100, jitter: 'none' }, { clock });
    const p = createPipeline({ retry, limiter: limiter({ burst: 1 }), clock });
    await p.execute(ok);
    let attempts = 0;
    const call = p.execute(
      () => {
        if (++attempts === 1) throw Object.assign(new Error('transient'), { isTransient: true });
        return 'second';
      },
      { lane: 'lo' },
    );
    await flushMicrotasks();
    await clock.runAll();
    expect(await call).toBe('second');
    expect(log.filter((e) => e[0] === 'acquire')).toEqual([
      ['acquire', 1, 1],
      ['acquire', 1, 2],
      ['acquire', 1, 2],
    ]);
  });

  it('gives tokens back in their lane when the breaker refuses a call that waited', async () => {
    const breaker = CircuitBreakerPolicy.create('br', { failureThreshold: 1 }, { clock, store });
    const p = createPipeline({ breaker, limiter: limiter({ burst: 1 }), clock });
    await p.execute(ok, { lane: 'hi' });
    const waiting = p.execute(ok, { lane: 'lo' }).catch((e: unknown) => e);
    await flushMicrotasks();
    breaker.forceOpen();
    await clock.runAll();
    expect(await waiting).toBeInstanceOf(Error);
    expect(log.filter((e) => e[0] !== 'limiter.laneFor')).toEqual([
      ['acquire', 1, 0],
      ['acquire', 1, 2],
      ['refund', 1, 2],
    ]);
  });

  it('bulkhead and limiter each get the lane of their own plan (general loop, with a timeout and a fallback)', async () => {
    const p = createPipeline({
      fallback: fallbackStage(
        () => true,
        () => 'fallback',
      ),
      timeout: timeoutStage({ totalMs: 1000 }),
      bulkhead: bulkhead(),
      limiter: limiter(),
      clock,
    });
    expect(await p.execute(ok, { lane: 'lo' })).toBe('ok');
    expect(await p(ok, undefined, ['hi'])).toBe('ok');
    expect(log).toEqual([
      ['bulkhead.laneFor', [], 'lo'],
      ['enter', 2],
      ['limiter.laneFor', [], 'lo'],
      ['acquire', 1, 2],
      ['bulkhead.laneFor', ['hi'], undefined],
      ['enter', 0],
      ['limiter.laneFor', ['hi'], undefined],
      ['acquire', 1, 0],
    ]);
  });

  it('bulkhead only: enter gets the lane', async () => {
    const p = createPipeline({ bulkhead: bulkhead(), clock });
    await p.execute(ok, { lane: 'mid' });
    await p(ok, undefined, ['lo']);
    expect(log.filter((e) => e[0] === 'enter')).toEqual([
      ['enter', 1],
      ['enter', 2],
    ]);
  });
});
