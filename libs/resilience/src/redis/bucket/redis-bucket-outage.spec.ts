// The cluster bound through a Redis outage and the switch back (README, "When Redis fails"),
// and how soon shared mode resumes, against a redis-server of the test's own that is SIGKILLed
// and restarted on the same port.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimiterPolicy } from '../../core/index.js';
import { RedisStore, type StoreStatusEvent } from '../index.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';
import { bucketBound, maxSurelyInWindow } from '../testing-support/windows.js';

const quiet = { warn: () => undefined, log: () => undefined };
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records when the script call that answered last was sent (one bucket: one call in flight at a time). */
function trackSends(store: RedisStore): () => number {
  let answeredSentAt = -Infinity;
  const client = store.client as unknown as Record<'evalsha' | 'eval', (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['evalsha', 'eval'] as const) {
    const real = client[method].bind(client);
    client[method] = (...args: unknown[]) => {
      const sentAt = now();
      const reply = real(...args);
      reply.then(
        () => (answeredSentAt = sentAt),
        () => undefined,
      );
      return reply;
    };
  }
  return () => answeredSentAt;
}

describe('RedisBucket through a Redis outage (own redis-server, SIGKILL and restart)', () => {
  let server: TestRedisServer | undefined;
  let store: RedisStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.kill();
    store = server = undefined;
  });

  it('one process, 250/s burst 25: no window above burst + rate × W / period, down and up included', async () => {
    server = await startRedisServer();
    const status: Array<StoreStatusEvent & { wall: number }> = [];
    store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix('outage-1p'),
      logger: quiet,
      probeIntervalMs: 100,
      onStoreStatus: (e) => status.push({ ...e, wall: now() }),
    });
    const s = store;
    const sentAt = trackSends(s);
    const spec = { rate: 250, periodMs: 1000, burst: 25 };
    const limiter = RateLimiterPolicy.create('outage', { ...spec, maxWaitMs: 5000 }, { store: s });
    const admitted: Array<[number, number]> = [];
    const errors: string[] = [];
    const endAt = now() + 5000;
    // 100 concurrent callers (the queue a batch builds up): at 250/s each waits about 400 ms.
    const workers = Array.from({ length: 100 }, async () => {
      for (let i = 0; i < 10_000 && now() < endAt; i++) {
        const start = now();
        try {
          await limiter.acquire();
          // Shared: admitted between the sending of the answering call and now. Local: just now.
          admitted.push(s.available ? [Math.max(start, sentAt()), now()] : [now() - 1, now()]);
        } catch (error) {
          errors.push((error as Error).name);
          await sleep(20);
        }
      }
    });
    await sleep(1500);
    await server.kill();
    await sleep(1200);
    await server.start();
    await Promise.all(workers);
    expect(status.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    expect(errors.filter((n) => n !== 'RateLimiterRejectedError')).toEqual([]);
    const windows = [100, 250, 500, 1000, 2000].map((w) => ({
      w,
      admitted: maxSurelyInWindow(admitted, w),
      bound: bucketBound(w, spec),
    }));
    expect(windows.filter((x) => x.admitted > x.bound)).toEqual([]);
    // Admissions all along: before, during (local share) and after the outage.
    const [down, up] = [status[0]!.wall, status[1]!.wall];
    expect(admitted.filter(([, hi]) => hi < down).length).toBeGreaterThan(100);
    expect(admitted.filter(([lo, hi]) => lo > down && hi < up).length).toBeGreaterThan(100);
    expect(admitted.filter(([lo]) => lo > up).length).toBeGreaterThan(100);
  }, 30_000);

  it('shared mode resumes within probeIntervalMs of the restarted Redis accepting connections: no needless StoreUnavailableError', async () => {
    server = await startRedisServer();
    const probeIntervalMs = 200;
    const status: Array<StoreStatusEvent & { wall: number }> = [];
    store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix('resume'),
      logger: quiet,
      onStoreError: 'fail-closed',
      probeIntervalMs,
      onStoreStatus: (e) => status.push({ ...e, wall: now() }),
    });
    const limiter = RateLimiterPolicy.create('resume', { rate: 1000, periodMs: 1000, burst: 50 }, { store });
    const failures: number[] = [];
    let running = true;
    const worker = (async () => {
      for (let i = 0; i < 2000 && running; i++) {
        await limiter.acquire().catch(() => failures.push(now()));
        await sleep(10);
      }
    })();
    let spawnedAt = Infinity;
    try {
      await sleep(300);
      await server.kill();
      // Long enough for ioredis's default backoff (exponential, up to 5 s) to have grown past 1 s.
      await sleep(2500);
      spawnedAt = now(); // the restarted server accepts connections some time after this
      await server.start();
      for (let i = 0; i < 100 && status.length < 2; i++) await sleep(20);
      await sleep(300);
    } finally {
      running = false;
      await worker;
    }
    expect(status.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    // Fail-closed callers are refused while down; none once Redis has been answering for
    // probeIntervalMs (+ 150 ms for the server to start and the client to connect).
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.filter((t) => t > spawnedAt + probeIntervalMs + 150)).toEqual([]);
    // The documented promise, with a generous margin: resumed within probeIntervalMs + 500 ms.
    expect(status[1]!.wall - spawnedAt).toBeLessThanOrEqual(probeIntervalMs + 500);
    // Commands were never queued while offline: the client the store created refuses them.
    expect((store.client as Redis).options.enableOfflineQueue).toBe(false);
  }, 30_000);
});
