// One rate-limiter acquire against Redis, side by side with a raw PING and with
// rate-limiter-flexible's RateLimiterRedis, in one run on one connection each.
//   node --import ./bench/register.mjs bench/redis-acquire.ts
// Env: REDIS_URL (default redis://127.0.0.1:6379), BENCH_N (default 5000 sequential calls).
// The limits are set so every call is admitted: this measures the cost of one admission
// (one round trip + script), not waiting.
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RateLimiterPolicy } from 'nest-resilience';
import { RedisStore } from 'nest-resilience/redis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const n = Number(process.env.BENCH_N ?? 5000);
const prefix = `nrs-bench:${process.pid}:`;

interface Row {
  name: string;
  p50: number;
  p99: number;
  mean: number;
  opsPerSec: number;
}

async function measure(name: string, fn: () => Promise<unknown>): Promise<Row> {
  for (let i = 0; i < Math.min(500, n); i++) await fn(); // warm-up (scripts loaded, JIT)
  const samples = new Float64Array(n);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples[i] = performance.now() - t;
  }
  const total = performance.now() - start;
  samples.sort();
  const us = (ms: number) => Math.round(ms * 1000);
  return { name, p50: us(samples[Math.floor(n * 0.5)]!), p99: us(samples[Math.floor(n * 0.99)]!), mean: us(total / n), opsPerSec: Math.round((n / total) * 1000) };
}

/** Runs the Redis acquire benchmark; returns the rows (also printed when run directly). */
export async function runRedisAcquireBench(): Promise<Row[]> {
  const pingClient = new Redis(url);
  const storeClient = new Redis(url);
  const rlfClient = new Redis(url);
  const store = new RedisStore({ client: storeClient, keyPrefix: prefix, logger: { warn: () => undefined, log: () => undefined } });
  const limiter = RateLimiterPolicy.create('bench', { rate: 1e9, period: 1000, burst: 1e9 }, { store });
  const rlf = new RateLimiterRedis({ storeClient: rlfClient, keyPrefix: `${prefix}rlf`, points: 1e9, duration: 1 });
  try {
    return [
      await measure('raw PING (ioredis)', () => pingClient.ping()),
      await measure('nest-resilience RedisStore acquire', () => limiter.acquire()),
      await measure('rate-limiter-flexible RateLimiterRedis consume', () => rlf.consume('bench', 1)),
    ];
  } finally {
    const keys = await pingClient.keys(`${prefix}*`);
    if (keys.length) await pingClient.del(...keys);
    await store.close();
    for (const c of [pingClient, storeClient, rlfClient]) c.disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runRedisAcquireBench();
  console.log(`Redis acquire latency, ${n} sequential calls each, ${url.replace(/\/\/[^@]*@/, '//')}`);
  console.table(Object.fromEntries(rows.map((r) => [r.name, { 'p50 µs': r.p50, 'p99 µs': r.p99, 'mean µs': r.mean, 'ops/s': r.opsPerSec }])));
}
