// The sliding-window bound through a Redis outage and the switch back (README, "Sliding-window
// limiter"), against a redis-server of the test's own that is SIGKILLed and restarted.
import { afterEach, describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy } from '../../core/index.js';
import { RedisStore, type StoreStatusEvent } from '../index.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';
import { maxSurelyInWindow } from '../testing-support/windows.js';

const quiet = { warn: () => undefined, log: () => undefined };
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When the acquire script call (op `a`) that answered last was sent: one is in flight at a time per limiter. */
function trackSends(store: RedisStore): () => number {
  let answeredSentAt = -Infinity;
  const client = store.client as unknown as Record<'evalsha' | 'eval', (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['evalsha', 'eval'] as const) {
    const real = client[method].bind(client);
    client[method] = (...args: unknown[]) => {
      const sentAt = now();
      const reply = real(...args);
      if (args[6] === 'a')
        reply.then(
          () => (answeredSentAt = sentAt),
          () => undefined,
        );
      return reply;
    };
  }
  return () => answeredSentAt;
}

const limit = 100;
const period = 500;
const margin = 15; // the default, 3 % of period
const spec = { algorithm: 'sliding-window' as const, rate: limit, periodMs: period, maxWaitMs: 5000 };

/**
 * `workers` concurrent callers per store (a queue that never empties) for 5 s; Redis is
 * SIGKILLed after 1.5 s and restarted 1.2 s later. Each admission is recorded as the interval
 * it certainly happened in: from the sending of the script call that answered to now when
 * shared, just now when local.
 */
async function run(server: TestRedisServer, stores: RedisStore[], workers: number) {
  const admitted: Array<[number, number]> = [];
  const errors: string[] = [];
  const endAt = now() + 5000;
  const all = stores.flatMap((s) => {
    const sentAt = trackSends(s);
    const limiter = RateLimiterPolicy.create('outage', spec, { store: s });
    return Array.from({ length: workers }, async () => {
      for (let i = 0; i < 10_000 && now() < endAt; i++) {
        const start = now();
        try {
          await limiter.acquire();
          admitted.push(s.available ? [Math.max(start, sentAt()), now()] : [now() - 1, now()]);
        } catch (error) {
          errors.push((error as Error).name);
          await sleep(20);
        }
      }
    });
  });
  await sleep(1500);
  await server.kill();
  await sleep(1200);
  await server.start();
  await Promise.all(all);
  return { admitted, errors };
}

describe('RedisSlidingWindow through a Redis outage (own redis-server, SIGKILL and restart)', () => {
  let server: TestRedisServer | undefined;
  const stores: RedisStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await server?.kill();
    server = undefined;
  });

  async function open(
    prefix: string,
    status: Array<StoreStatusEvent & { wall: number }>,
    expectedReplicas: number,
  ): Promise<RedisStore> {
    const s = await RedisStore.create({
      url: server!.url,
      keyPrefix: prefix,
      logger: quiet,
      probeIntervalMs: 100,
      expectedReplicas,
      onStoreStatus: (e) => status.push({ ...e, wall: now() }),
    });
    stores.push(s);
    return s;
  }

  /** No window of `period + margin` (hence of `periodMs`) holds more than `limit` admissions; one of 2 × that, 2 × limit. */
  function expectBound(admitted: Array<[number, number]>): void {
    const span = period + margin;
    const windows = [100, 250, period, span, 2 * span].map((w) => ({
      w,
      admitted: maxSurelyInWindow(admitted, w),
      bound: limit * Math.ceil(w / span),
    }));
    expect(windows.filter((x) => x.admitted > x.bound)).toEqual([]);
  }

  it('one process (expectedReplicas 1): at most limit in any window, down and up included; one queue throughout', async () => {
    server = await startRedisServer();
    const status: Array<StoreStatusEvent & { wall: number }> = [];
    const s = await open(uniquePrefix('sw-outage-1p'), status, 1);
    const { admitted, errors } = await run(server, [s], 100);
    expect(status.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    expect(errors.filter((n) => n !== 'RateLimiterRejectedError')).toEqual([]);
    expectBound(admitted);
    // Admissions all along: before, during (local window) and after the outage.
    const [down, up] = [status[0]!.wall, status[1]!.wall];
    expect(admitted.filter(([, hi]) => hi < down).length).toBeGreaterThan(150);
    expect(admitted.filter(([lo, hi]) => lo > down && hi < up).length).toBeGreaterThan(100);
    expect(admitted.filter(([lo]) => lo > up).length).toBeGreaterThan(150);
  }, 30_000);

  it('two replicas (expectedReplicas 2): at most limit in any window across both, down and up included', async () => {
    server = await startRedisServer();
    const status: Array<StoreStatusEvent & { wall: number }> = [];
    const prefix = uniquePrefix('sw-outage-2p');
    const a = await open(prefix, status, 2);
    const b = await open(prefix, [], 2);
    const { admitted, errors } = await run(server, [a, b], 50);
    expect(status.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    expect(errors.filter((n) => n !== 'RateLimiterRejectedError')).toEqual([]);
    expectBound(admitted);
    const [down, up] = [status[0]!.wall, status[1]!.wall];
    expect(admitted.filter(([, hi]) => hi < down).length).toBeGreaterThan(150);
    expect(admitted.filter(([lo, hi]) => lo > down && hi < up).length).toBeGreaterThan(50);
    expect(admitted.filter(([lo]) => lo > up).length).toBeGreaterThan(150);
  }, 30_000);
});
