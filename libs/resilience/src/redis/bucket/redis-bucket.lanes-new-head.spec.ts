import { afterEach, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { systemClock } from '../../core/index.js';
import type { LanePlan } from '../../core/lanes/lane-plan.js';
import type { BucketBackend } from '../../core/store/store.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** interactive (lane 0) above batch (lane 1, at most 30% of the burst). */
const plan: LanePlan = {
  lanes: [
    { name: 'interactive', maxShare: 1, floorShare: 0 },
    { name: 'batch', maxShare: 0.3, floorShare: 0 },
  ],
  defaultLane: 1,
  agingMs: Infinity,
  index: new Map([
    ['interactive', 0],
    ['batch', 1],
  ]),
};

// One token per 100 s: the batch head's cap wait (~100 s) arms the queue's timer far past the test.
const spec = { rate: 1, periodMs: 100_000, burst: 10, lanes: plan };

/**
 * A new lane head asks Redis at once (timer armed for another lane's wait) or right after the call
 * in flight is answered: counted on the server's side, the script calls on the bucket's key (MONITOR).
 */
describe('RedisBucket lanes: a new lane head does not wait for the timer (real Redis)', () => {
  const t = useTestRedis();
  let monitor: Redis | undefined;

  afterEach(() => {
    monitor?.disconnect();
    monitor = undefined;
  });

  /**
   * A bucket whose batch cap (3) is used, and the script calls on its key as the server saw them:
   * per call, the lanes of the waiters it carried (`BUCKET_LANE_SCRIPT`'s arguments).
   */
  async function cappedBucket(): Promise<{ bucket: BucketBackend; calls: number[][] }> {
    const prefix = uniquePrefix('lanes-head');
    t.prefixes.push(prefix);
    const store = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    t.stores.push(store);
    const bucket = store.createBucket({ policy: 'lanes-head', key: 'bucket:head' }, spec, systemClock);
    for (let i = 0; i < 3; i++) await bucket.acquire(1, 0, undefined, 1); // the batch cap (0.3 × 10)
    const [key] = await t.admin.keys(`${prefix}*`);
    const calls: number[][] = [];
    monitor = await t.admin.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (!/^eval/i.test(args[0] ?? '') || args[3] !== key) return;
      const argv = args.slice(3 + Number(args[2]));
      const lanes = Number(argv[5]);
      const n = Number(argv[7 + 2 * lanes]);
      calls.push(Array.from({ length: n }, (_, i) => Number(argv[8 + 2 * lanes + 3 * i + 1])));
    });
    return { bucket, calls };
  }

  /** Waits (bounded) until the server saw `n` script calls on the key, and a little more (for extra calls). */
  async function seen(calls: number[][], n: number): Promise<number[][]> {
    for (let i = 0; i < 100 && calls.length < n; i++) await sleep(10);
    await sleep(30);
    return calls;
  }

  /** The interactive acquire's outcome, or 'late' when it is still waiting after a (generous) bound. */
  async function admitted(p: Promise<void> | undefined): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<string>((r) => (timer = setTimeout(() => r('late'), 3_000)));
    try {
      return await Promise.race([Promise.resolve(p).then(() => 'admitted'), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('timer armed for the batch head: an interactive acquire is admitted by the one call it makes', async () => {
    const { bucket, calls } = await cappedBucket();
    const abort = new AbortController();
    const held = Promise.resolve(bucket.acquire(1, 10_000_000, abort.signal, 1)).catch(() => undefined);
    expect(await seen(calls, 1)).toEqual([[1]]); // the batch head asked (its answer: wait ~333 s on its cap)
    await sleep(50); // its answer came: the timer is armed far ahead
    expect(await admitted(bucket.acquire(1, 5_000, undefined, 0))).toBe('admitted');
    const after = (await seen(calls, 2)).slice(1);
    expect(after[0]).toContain(0); // the first call after it was queued carried it
    expect(after.filter((c) => c.includes(0))).toHaveLength(1); // and admitted it: one round trip
    expect(bucket.waiting()).toBe(1); // the batch head still waits on its cap
    abort.abort();
    await held;
  });

  it('call in flight for the batch head: the interactive acquire asks right after it is answered', async () => {
    const { bucket, calls } = await cappedBucket();
    const abort = new AbortController();
    const held = Promise.resolve(bucket.acquire(1, 10_000_000, abort.signal, 1)).catch(() => undefined);
    // Same synchronous run: the batch head's call is in flight, the interactive waiter is not in it.
    expect(await admitted(bucket.acquire(1, 5_000, undefined, 0))).toBe('admitted');
    const all = await seen(calls, 2);
    expect(all[0]).toEqual([1]); // the batch head's call
    expect(all[1]).toContain(0); // the next one carried the new head
    expect(all.filter((c) => c.includes(0))).toHaveLength(1); // and admitted it: one round trip
    expect(bucket.waiting()).toBe(1);
    abort.abort();
    await held;
  });
});
