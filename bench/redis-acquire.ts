// One rate-limiter acquire against Redis, side by side with a raw PING and with
// rate-limiter-flexible's RateLimiterRedis, in one run on one connection each. The sliding-window
// limiter is compared with the same RateLimiterRedis: rate-limiter-flexible 11 has no sliding-window
// limiter (RateLimiterRedis counts points in fixed windows of `duration`, the closest it offers).
//   node --import ./bench/register.mjs bench/redis-acquire.ts      (this section alone)
//   npm run bench -- --sections=5                                   (as section 5 of bench/run.ts)
// Env: REDIS_URL (default redis://127.0.0.1:6379), BENCH_N (default 5000 sequential calls per variant).
// The limits are set so every call is admitted: this measures the cost of one admission
// (one round trip + script), not waiting. The variants run in interleaved blocks, so load from
// other processes on the machine affects them alike.
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RateLimiterPolicy } from 'nest-resilience';
import { RedisStore } from 'nest-resilience/redis';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `nrs-bench:${process.pid}:`;
const BLOCKS = 10;

/** Latency of one variant (µs). */
export interface RedisAcquireRow {
  name: string;
  p50: number;
  p99: number;
  mean: number;
  opsPerSec: number;
  /** p50 divided by the raw PING's p50. */
  vsPing: number;
}

interface Variant {
  name: string;
  fn: () => Promise<unknown>;
  samples: number[];
}

function row(v: Variant, pingP50: number): RedisAcquireRow {
  const s = Float64Array.from(v.samples).sort();
  const total = s.reduce((a, b) => a + b, 0);
  const us = (ms: number) => Math.round(ms * 1000);
  const p50 = s[Math.floor(s.length * 0.5)]!;
  return {
    name: v.name,
    p50: us(p50),
    p99: us(s[Math.floor(s.length * 0.99)]!),
    mean: us(total / s.length),
    opsPerSec: Math.round((s.length / total) * 1000),
    vsPing: p50 / pingP50,
  };
}

/** Deletes the bench's keys (SCAN, bounded). */
async function cleanup(client: Redis): Promise<void> {
  let cursor = '0';
  for (let i = 0; i < 1000; i++) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await client.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}

/** True when a Redis answers at `url` within a second. */
export async function redisAnswers(): Promise<boolean> {
  const c = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** Runs the Redis acquire benchmark: `n` sequential calls per variant, in interleaved blocks. */
export async function runRedisAcquireBench(n = Number(process.env.BENCH_N ?? 5000)): Promise<RedisAcquireRow[]> {
  const pingClient = new Redis(url);
  const storeClient = new Redis(url);
  const rlfClient = new Redis(url);
  const store = new RedisStore({
    client: storeClient,
    keyPrefix: prefix,
    logger: { warn: () => undefined, log: () => undefined },
  });
  const limiter = RateLimiterPolicy.create('bench', { rate: 1e9, periodMs: 1000, burst: 1e9 }, { store });
  // The sliding-window mode on the same store: one script call trims the log, admits, stamps.
  const window = RateLimiterPolicy.create(
    'bench-window',
    { algorithm: 'sliding-window', rate: 1e9, periodMs: 1000 },
    { store },
  );
  const rlf = new RateLimiterRedis({ storeClient: rlfClient, keyPrefix: `${prefix}rlf`, points: 1e9, duration: 1 });
  const variants: Variant[] = [
    { name: 'raw PING (ioredis)', fn: () => pingClient.ping(), samples: [] },
    { name: 'nest-resilience RedisStore acquire', fn: () => limiter.acquire(), samples: [] },
    { name: 'nest-resilience RedisStore acquire, sliding window', fn: () => window.acquire(), samples: [] },
    { name: 'rate-limiter-flexible RateLimiterRedis consume', fn: () => rlf.consume('bench', 1), samples: [] },
  ];
  try {
    for (const v of variants) for (let i = 0; i < Math.min(500, n); i++) await v.fn(); // warm-up: scripts loaded, JIT
    const perBlock = Math.max(1, Math.ceil(n / BLOCKS));
    for (let b = 0; b < BLOCKS; b++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(b + k) % variants.length]!;
        for (let i = 0; i < perBlock; i++) {
          const t = performance.now();
          await v.fn();
          v.samples.push(performance.now() - t);
        }
      }
    }
    const pingP50 = Float64Array.from(variants[0]!.samples).sort()[Math.floor(variants[0]!.samples.length * 0.5)]!;
    return variants.map((v) => row(v, pingP50));
  } finally {
    await cleanup(pingClient);
    await store.close();
    for (const c of [pingClient, storeClient, rlfClient]) c.disconnect();
  }
}

/** The rows as a markdown table. */
export function redisAcquireTable(rows: RedisAcquireRow[]): string {
  const lines = [
    '| variant | p50 µs | p99 µs | mean µs | ops/s | p50 ÷ PING p50 |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows)
    lines.push(`| ${r.name} | ${r.p50} | ${r.p99} | ${r.mean} | ${r.opsPerSec} | ${r.vsPing.toFixed(2)} |`);
  return lines.join('\n');
}

/** Where the bench runs, without credentials. */
export const redisBenchTarget = url.replace(/\/\/[^@/]*@/, '//');

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.env.BENCH_N ?? 5000);
  const rows = await runRedisAcquireBench(n);
  console.log(
    `Redis acquire latency, ${n} sequential calls per variant in ${BLOCKS} interleaved blocks, ${redisBenchTarget}\n`,
  );
  console.log(redisAcquireTable(rows));
}
