// Several Node processes (each a Nest application context with the Redis store) share one
// limiter and one breaker through a real Redis. See test/support/redis-replica.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  deleteKeys,
  startRedisServer,
  uniquePrefix,
  type TestRedisServer,
} from '../libs/resilience/src/redis/testing-support/redis-server.js';
import { useTestRedis } from '../libs/resilience/src/redis/testing-support/use-test-redis.js';
import { bucketBound, maxSurelyInWindow } from '../libs/resilience/src/redis/testing-support/windows.js';
import { spawnAll as spawnReplicas, stopAll, type LimitResult } from './support/replicas.js';
import { sharedNow } from './support/shared-clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;

const limiter = { rate: 100, periodMs: 1000, burst: 10 };
/** The outage test's limiter: 50/s, burst 5 (the three-replica case). */
const outageLimiter = { rate: 50, periodMs: 1000, burst: 5 };
// recoveryTimeMs leaves the other processes ample time to observe the open state on a loaded machine.
const breaker = { failureThreshold: 3, recoveryTimeMs: 1500, halfOpenMaxCalls: 2, successThreshold: 2 };
/** The cluster bound: tokens admitted in any window of `w` ms. */
const bound = (w: number, l: { rate: number; periodMs: number; burst: number } = limiter) => bucketBound(w, l);

/** A replica sharing this suite's limiter and breaker (unless `config` says otherwise). */
const spawnAll = (configs: Array<Record<string, unknown>>) =>
  spawnReplicas(configs.map((c) => ({ limiter, breaker, ...c })));

/** Polls one field of a Redis hash until it equals `value` (bounded: 250 × 20 ms). */
async function fieldBecomes(client: Redis, key: string, field: string, value: string): Promise<string | null> {
  let v: string | null = null;
  for (let i = 0; i < 250; i++) {
    v = await client.hget(key, field);
    if (v === value) break;
    await sleep(20);
  }
  return v;
}

describe('Redis store across 3 processes (real Redis)', () => {
  const t = useTestRedis();
  const { prefixes } = t;

  it('one limiter of R/s shared by 3 processes: no window above the bound, throughput >= 95% of R', async () => {
    const keyPrefix = uniquePrefix('e2e-limit');
    prefixes.push(keyPrefix);
    // Start-up (spawning, compiling, connecting) is over before the run starts.
    const replicas = await spawnAll([0, 1, 2].map(() => ({ url: t.url, keyPrefix })));
    try {
      const startAt = now() + 300;
      const durationMs = 4000;
      const endAt = startAt + durationMs;
      const results = await Promise.all(
        replicas.map((r) => r.request<LimitResult>({ cmd: 'limit', startAt, endAt, concurrency: 4 })),
      );
      expect(results.map((r) => r.status)).toEqual([[], [], []]); // shared mode all along
      expect(results.flatMap((r) => r.errors)).toEqual([]);
      expect(results.every((r) => r.admitted.length > 0)).toBe(true); // every process got tokens
      const all = results.flatMap((r) => r.admitted);
      // Bound: burst + rate × W / period, in every window, across the three processes.
      const windows = [20, 50, 100, 250, 500, 1000, 2000, durationMs].map((w) => ({
        w,
        admitted: maxSurelyInWindow(all, w),
        bound: bound(w),
      }));
      expect(windows.filter((x) => x.admitted > x.bound)).toEqual([]);
      expect(windows.at(-1)!.admitted).toBeGreaterThan(0);
      // Throughput over the steady part of the run: from 500 ms in (the first burst and the
      // first round trips are behind) to the end, counted by when callers resumed.
      const from = startAt + 500;
      const steady = all.filter(([, hi]) => hi >= from && hi <= endAt).length;
      const expected = (limiter.rate * (endAt - from)) / limiter.periodMs;
      expect(steady / expected).toBeGreaterThanOrEqual(0.95);
      expect(replicas.some((r) => r.crashed())).toBe(false);
    } finally {
      await stopAll(replicas);
    }
  }, 90_000);

  it('a breaker shared by 3 processes: failures in one open it for all; recovery admits exactly halfOpenMaxCalls trials', async () => {
    const keyPrefix = uniquePrefix('e2e-breaker');
    prefixes.push(keyPrefix);
    const key = `${keyPrefix}{breaker:shared}`;
    const replicas = await spawnAll([0, 1, 2].map(() => ({ url: t.url, keyPrefix })));
    type Calls = { started: number; results: string[] };
    try {
      const failed = await replicas[0]!.request<{ results: string[]; state: string }>({ cmd: 'fail', times: 3 });
      expect(failed.results).toEqual(['Error', 'Error', 'Error']);
      expect(failed.state).toBe('open');
      expect(await fieldBecomes(t.admin, key, 's', '1')).toBe('1'); // open in Redis
      const openedAt = now();
      for (const r of replicas.slice(1)) {
        const probe = await r.request<Calls>({ cmd: 'call', count: 1 });
        expect(probe.started).toBe(0);
        expect(probe.results).toEqual(['CircuitBreakerOpenError:open']);
      }
      await sleep(breaker.recoveryTimeMs + 300 - (now() - openedAt));
      // 10 concurrent calls in each process, held until every call of every process is decided.
      const decided = await Promise.all(
        replicas.map((r) => r.request<{ started: number; rejected: number }>({ cmd: 'hold', count: 10 })),
      );
      expect(decided.map((d) => d.started + d.rejected)).toEqual([10, 10, 10]);
      expect(decided.reduce((n, d) => n + d.started, 0)).toBe(breaker.halfOpenMaxCalls);
      const trials = await Promise.all(replicas.map((r) => r.request<Calls>({ cmd: 'release' })));
      const all = trials.flatMap((t) => t.results);
      expect(all.filter((r) => r === 'ok')).toHaveLength(breaker.halfOpenMaxCalls);
      expect(all.filter((r) => r === 'CircuitBreakerOpenError:half_open')).toHaveLength(30 - breaker.halfOpenMaxCalls);
      // successThreshold (2) trial successes close it in Redis; every process then lets calls through.
      expect(await fieldBecomes(t.admin, key, 's', '0')).toBe('0');
      for (const r of replicas) {
        const after = await r.request<Calls>({ cmd: 'call', count: 3 });
        expect(after.results).toEqual(['ok', 'ok', 'ok']);
      }
      expect(replicas.some((r) => r.crashed())).toBe(false);
    } finally {
      await stopAll(replicas);
    }
  }, 90_000);

  describe('Redis stopped mid-run and restarted', () => {
    let server: TestRedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('fail-open keeps each process to its share, fail-closed raises StoreUnavailableError, the cluster bound holds in every window, shared mode resumes', async () => {
      const keyPrefix = uniquePrefix('e2e-outage');
      // The store's default storeTimeoutMs (200): a busy loop fakes no outage (see StoreLink).
      const base = { url: server.url, keyPrefix, expectedReplicas: 3, limiter: outageLimiter };
      const replicas = await spawnAll([
        { ...base, onStoreError: 'fail-open' },
        { ...base, onStoreError: 'fail-open' },
        { ...base, onStoreError: 'fail-closed' },
      ]);
      try {
        const startAt = now() + 300;
        const durationMs = 4500;
        const running = Promise.all(
          replicas.map((r) =>
            r.request<LimitResult>({ cmd: 'limit', startAt, endAt: startAt + durationMs, concurrency: 3 }, 30_000),
          ),
        );
        await sleep(startAt - now() + 800);
        const downAt = now();
        await server.kill(); // SIGKILL: no clean shutdown; the restarted server starts empty
        await sleep(1200);
        const upAt = now();
        await server.start();
        const results = await running;
        expect(replicas.some((r) => r.crashed())).toBe(false);
        for (const r of results) {
          // Logged/reported once per outage: exactly one down and one up.
          expect(r.status.map((s) => s.type)).toEqual(['store.down', 'store.up']);
          expect(r.status[0]!.wall).toBeGreaterThanOrEqual(downAt);
          expect(r.status[1]!.wall).toBeGreaterThanOrEqual(upAt);
        }
        // Detection takes up to storeTimeoutMs; the outage as seen by each process:
        for (const [i, r] of results.entries()) {
          const from = r.status[0]!.wall;
          const to = r.status[1]!.wall;
          // Local admissions are recorded as soon as they happen (hi); Redis ones cannot land here.
          const during = r.admitted.filter(([, hi]) => hi > from && hi < to);
          const after = r.admitted.filter(([lo]) => lo > to);
          expect(after.length).toBeGreaterThan(0); // shared mode resumed
          if (i < 2) {
            // Fail-open: local share rate/3, burst/3 (+1 for measurement).
            const bound =
              outageLimiter.burst / 3 + ((outageLimiter.rate / 3) * (to - from)) / outageLimiter.periodMs + 1;
            expect(during.length).toBeLessThanOrEqual(Math.ceil(bound));
            expect(during.length).toBeGreaterThan(0);
            expect(r.errors.filter((e) => e.name !== 'RateLimiterRejectedError')).toEqual([]);
          } else {
            expect(during).toEqual([]);
            const unavailable = r.errors.filter((e) => e.name === 'StoreUnavailableError');
            expect(unavailable.length).toBeGreaterThan(0);
            expect(r.errors.every((e) => e.name === 'StoreUnavailableError')).toBe(true);
          }
        }
        // The cluster bound holds in every window of the run, counted across the three
        // processes: before, through the outage (local shares that start empty), through the
        // switch back (grace period on both sources, then a drained key) and after.
        const upLast = Math.max(...results.map((r) => r.status[1]!.wall));
        const all = results.flatMap((r) => r.admitted);
        expect(all.filter(([lo]) => lo > upLast).length).toBeGreaterThan(0);
        const windows = [50, 100, 250, 500, 1000, 2000].map((w) => ({
          w,
          admitted: maxSurelyInWindow(all, w),
          bound: bound(w, outageLimiter),
        }));
        expect(windows.filter((x) => x.admitted > x.bound)).toEqual([]);
      } finally {
        await stopAll(replicas);
        const client = new Redis(server.url);
        await deleteKeys(client, keyPrefix);
        client.disconnect();
      }
    }, 90_000);
  });
});
