/**
 * A Redis store created on a port nobody listens on (issue 8 §6, README "When Redis fails").
 * Run by keep-alive-redis-down.e2e-spec.ts as
 * `node --import ./bench/register.mjs test/keep-alive/redis-down.ts <redis|cluster> <port>`:
 * it makes one fail-open call, closes the store, prints what it saw and must then exit on its
 * own (ioredis leaves no reconnect / disconnect timer behind) without ioredis printing errors.
 */
import { RateLimiterPolicy } from 'nest-resilience/core';
import { RedisStore } from 'nest-resilience/redis';

const [mode, port] = process.argv.slice(2);
const warnings: string[] = [];
const logger = { warn: (m: string) => warnings.push(m), log: () => undefined };
const common = { keyPrefix: 'keep-alive-down:', storeTimeoutMs: 100, probeIntervalMs: 300, logger } as const;
const store =
  mode === 'cluster'
    ? await RedisStore.create({ ...common, cluster: { nodes: [{ host: '127.0.0.1', port: Number(port) }] } })
    : await RedisStore.create({ ...common, url: `redis://:s3cret@127.0.0.1:${port}` });
const limiter = RateLimiterPolicy.create('down', { rate: 10 }, { store });
const result = await limiter.execute(() => 'ran').catch((e: Error) => e.name);
await store.close();
// Exit time is measured by the parent from this line on.
console.log(
  `closed: ${result}, available ${store.available}, warned ${warnings.length}, secret echoed ${warnings.some((w) => w.includes('s3cret'))}`,
);
