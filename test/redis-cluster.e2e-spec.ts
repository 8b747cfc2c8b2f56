// Several Node processes (each a Nest application context with the Redis store) share one
// limiter and one breaker through a real Redis. See test/support/redis-replica.ts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { deleteKeys, startRedisServer, testRedis, uniquePrefix, type TestRedisServer } from '../libs/resilience/src/redis/testing-support/redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Child processes run the TypeScript sources through the repo's loader (@swc/core).
const loader = './bench/register.mjs';
if (!existsSync(`${root}/bench/register.mjs`)) throw new Error('test/redis-cluster.e2e-spec.ts needs bench/register.mjs (the TypeScript loader for child processes)');
const replicaScript = `${root}/test/support/redis-replica.ts`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

interface Replica {
  child: ChildProcess;
  request<T = Record<string, unknown>>(msg: unknown, timeoutMs?: number): Promise<T>;
  crashed(): boolean;
}

const limiter = { rate: 100, period: 1000, burst: 5 };
const breaker = { failureThreshold: 3, recoveryTime: 600, halfOpenMaxCalls: 2, successThreshold: 2 };

async function spawnReplica(config: Record<string, unknown>): Promise<Replica> {
  const child = fork(replicaScript, [JSON.stringify({ limiter, breaker, ...config })], { cwd: root, execArgv: ['--import', loader], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exitCode: number | null = null;
  child.on('exit', (code) => (exitCode = code));
  const pending: Array<(m: Record<string, unknown>) => void> = [];
  const unhandled: unknown[] = [];
  child.on('message', (m: Record<string, unknown>) => {
    if (m.unhandled !== undefined) unhandled.push(m.unhandled);
    else pending.shift()?.(m);
  });
  const request = <T,>(msg: unknown, timeoutMs = 20_000) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`replica did not answer ${JSON.stringify(msg)} within ${timeoutMs} ms`)), timeoutMs);
      pending.push((m) => {
        clearTimeout(t);
        if (m.ok === false) reject(new Error(String(m.error)));
        else resolve(m as T);
      });
      if (msg !== null) child.send(msg as object);
    });
  await request(null, 30_000); // the ready message
  return { child, request, crashed: () => exitCode !== null && exitCode !== 0 || unhandled.length > 0 };
}

async function stopAll(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (r.child.exitCode !== null || !r.child.connected) return;
      await r.request({ cmd: 'exit' }, 5000).catch(() => r.child.kill('SIGKILL'));
      if (r.child.exitCode === null) await new Promise((res) => r.child.once('exit', res));
    }),
  );
}

/** Most admissions in any window of `w` ms (two-pointer over sorted times). */
function maxInWindow(times: number[], w: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! > w) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

interface LimitResult {
  admitted: number[];
  errors: Array<{ at: number; name: string }>;
  status: Array<{ status: string; wall: number }>;
}

describe('Redis store across 3 processes (real Redis)', () => {
  let redis: { url: string; stop(): Promise<void> };
  let admin: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    redis = await testRedis();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const p of prefixes) await deleteKeys(admin, p);
    admin.disconnect();
    await redis.stop();
  });

  it('one limiter of R/s shared by 3 processes: no window above the bound, throughput >= 95% of R', async () => {
    const keyPrefix = uniquePrefix('e2e-limit');
    prefixes.push(keyPrefix);
    const replicas = await Promise.all([0, 1, 2].map(() => spawnReplica({ url: redis.url, keyPrefix })));
    try {
      const startAt = now() + 300;
      const durationMs = 3000;
      const results = await Promise.all(replicas.map((r) => r.request<LimitResult>({ cmd: 'limit', startAt, endAt: startAt + durationMs, concurrency: 4 })));
      const times = results.flatMap((r) => r.admitted).sort((a, b) => a - b);
      expect(results.every((r) => r.errors.length === 0)).toBe(true);
      expect(results.every((r) => r.admitted.length > 0)).toBe(true); // every process got tokens
      // Bound: burst + rate × W / period. Times are taken in each process right after the
      // admission, on the machine clock that Redis TIME also reads; +1 token absorbs that
      // measurement delay (under 10 ms at this rate).
      for (const w of [50, 100, 250, 500, 1000, 2000, durationMs]) {
        expect(maxInWindow(times, w)).toBeLessThanOrEqual(Math.floor(limiter.burst + (limiter.rate * w) / limiter.period) + 1);
      }
      const inRun = times.filter((t) => t >= startAt && t <= startAt + durationMs).length;
      expect(inRun).toBeGreaterThanOrEqual(0.95 * limiter.rate * (durationMs / limiter.period));
      expect(replicas.some((r) => r.crashed())).toBe(false);
    } finally {
      await stopAll(replicas);
    }
  }, 60_000);

  it('a breaker shared by 3 processes: failures in one open it for all; recovery admits exactly halfOpenMaxCalls trials', async () => {
    const keyPrefix = uniquePrefix('e2e-breaker');
    prefixes.push(keyPrefix);
    const replicas = await Promise.all([0, 1, 2].map(() => spawnReplica({ url: redis.url, keyPrefix })));
    try {
      const failed = await replicas[0]!.request<{ results: string[]; state: string }>({ cmd: 'fail', times: 3 });
      expect(failed.results).toEqual(['Error', 'Error', 'Error']);
      expect(failed.state).toBe('open');
      for (const r of replicas.slice(1)) {
        const probe = await r.request<{ started: number; results: string[] }>({ cmd: 'call', count: 1, holdMs: 0 });
        expect(probe.started).toBe(0);
        expect(probe.results).toEqual(['CircuitBreakerOpenError:open']);
      }
      await sleep(breaker.recoveryTime + 50);
      // 10 concurrent calls in each process while the trials hold for 400 ms.
      const trials = await Promise.all(replicas.map((r) => r.request<{ started: number; results: string[] }>({ cmd: 'call', count: 10, holdMs: 400 })));
      const started = trials.reduce((n, t) => n + t.started, 0);
      expect(started).toBe(breaker.halfOpenMaxCalls);
      const all = trials.flatMap((t) => t.results);
      expect(all.filter((r) => r === 'ok')).toHaveLength(breaker.halfOpenMaxCalls);
      expect(all.filter((r) => r === 'CircuitBreakerOpenError:half_open')).toHaveLength(30 - breaker.halfOpenMaxCalls);
      await sleep(100); // > breakerSyncMs: every process re-reads the closed state
      for (const r of replicas) {
        const after = await r.request<{ started: number; results: string[] }>({ cmd: 'call', count: 3, holdMs: 0 });
        expect(after.results).toEqual(['ok', 'ok', 'ok']);
      }
      expect(replicas.some((r) => r.crashed())).toBe(false);
    } finally {
      await stopAll(replicas);
    }
  }, 60_000);

  describe('Redis stopped mid-run and restarted', () => {
    let server: TestRedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('fail-open keeps each process to its share, fail-closed raises StoreUnavailableError, shared mode resumes', async () => {
      const keyPrefix = uniquePrefix('e2e-outage');
      const base = { url: server.url, keyPrefix, expectedReplicas: 3 };
      const replicas = await Promise.all([
        spawnReplica({ ...base, onStoreError: 'fail-open' }),
        spawnReplica({ ...base, onStoreError: 'fail-open' }),
        spawnReplica({ ...base, onStoreError: 'fail-closed' }),
      ]);
      try {
        const startAt = now() + 300;
        const durationMs = 3500;
        const running = Promise.all(replicas.map((r) => r.request<LimitResult>({ cmd: 'limit', startAt, endAt: startAt + durationMs, concurrency: 3 }, 30_000)));
        await sleep(startAt - now() + 800);
        const downAt = now();
        await server.stop();
        await sleep(1200);
        const upAt = now();
        await server.start();
        const results = await running;
        expect(replicas.some((r) => r.crashed())).toBe(false);
        for (const r of results) {
          // Logged/reported once per outage: exactly one down and one up.
          expect(r.status.map((s) => s.status)).toEqual(['down', 'up']);
          expect(r.status[0]!.wall).toBeGreaterThanOrEqual(downAt);
          expect(r.status[1]!.wall).toBeGreaterThanOrEqual(upAt);
        }
        // Detection takes up to storeTimeoutMs; the outage as seen by each process:
        for (const [i, r] of results.entries()) {
          const from = r.status[0]!.wall;
          const to = r.status[1]!.wall;
          const during = r.admitted.filter((t) => t > from && t < to);
          const after = r.admitted.filter((t) => t > to);
          expect(after.length).toBeGreaterThan(0); // shared mode resumed
          if (i < 2) {
            // Fail-open: local share rate/3, burst/3 (+1 for measurement).
            const bound = limiter.burst / 3 + ((limiter.rate / 3) * (to - from)) / limiter.period + 1;
            expect(during.length).toBeLessThanOrEqual(Math.ceil(bound));
            expect(during.length).toBeGreaterThan(0);
            expect(r.errors.filter((e) => e.name !== 'RateLimitExceededError')).toEqual([]);
          } else {
            expect(during).toEqual([]);
            const unavailable = r.errors.filter((e) => e.name === 'StoreUnavailableError');
            expect(unavailable.length).toBeGreaterThan(0);
            expect(r.errors.every((e) => e.name === 'StoreUnavailableError')).toBe(true);
          }
        }
        // After the restart the three processes share one bucket again: the bound holds.
        const upLast = Math.max(...results.map((r) => r.status[1]!.wall));
        const tail = results.flatMap((r) => r.admitted.filter((t) => t > upLast)).sort((a, b) => a - b);
        expect(tail.length).toBeGreaterThan(0);
        for (const w of [100, 500]) expect(maxInWindow(tail, w)).toBeLessThanOrEqual(Math.floor(limiter.burst + (limiter.rate * w) / limiter.period) + 1);
      } finally {
        await stopAll(replicas);
        const client = new Redis(server.url);
        await deleteKeys(client, keyPrefix);
        client.disconnect();
      }
    }, 60_000);
  });
});
