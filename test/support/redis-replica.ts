// One replica for test/redis-cluster.e2e-spec.ts: a Nest application context with the Redis
// store, driven by the parent over IPC. Run with `node --import ./bench/register.mjs`.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ResilienceModule, ResilienceRegistry } from 'nest-resilience';
import type { StoreStatusEvent } from 'nest-resilience/redis';

interface ReplicaConfig {
  url: string;
  keyPrefix: string;
  onStoreError?: 'fail-open' | 'fail-closed';
  expectedReplicas?: number;
  limiter: { rate: number; period: number; burst: number };
  breaker: { failureThreshold: number; recoveryTime: number; halfOpenMaxCalls: number; successThreshold: number };
}

type Command =
  | { cmd: 'limit'; startAt: number; endAt: number; concurrency: number }
  | { cmd: 'fail'; times: number }
  | { cmd: 'call'; count: number; holdMs: number }
  | { cmd: 'exit' };

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const config = JSON.parse(process.argv[2]!) as ReplicaConfig;
const status: Array<StoreStatusEvent & { wall: number }> = [];

@Module({
  imports: [
    ResilienceModule.forRoot({
      store: {
        type: 'redis',
        url: config.url,
        keyPrefix: config.keyPrefix,
        onStoreError: config.onStoreError ?? 'fail-open',
        expectedReplicas: config.expectedReplicas ?? 1,
        storeTimeoutMs: 100,
        probeIntervalMs: 100,
        breakerSyncMs: 50,
        logger: { warn: () => undefined, log: () => undefined },
        onStoreStatus: (e: StoreStatusEvent) => status.push({ ...e, wall: now() }),
      },
      limiters: { shared: { ...config.limiter } },
      breakers: { shared: { shared: true, ...config.breaker } },
    }),
  ],
})
class ReplicaModule {}

const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
const registry = app.get(ResilienceRegistry);
const send = (msg: unknown) => process.send!(msg);

/** Workers take tokens until `endAt`; returns admission times and error names with times. */
async function limit(c: Extract<Command, { cmd: 'limit' }>) {
  const limiter = registry.limiter('shared');
  const admitted: number[] = [];
  const errors: Array<{ at: number; name: string }> = [];
  await sleep(Math.max(0, c.startAt - now()));
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      for (let i = 0; i < 100_000 && now() < c.endAt; i++) {
        try {
          await limiter.acquire();
          admitted.push(now());
        } catch (error) {
          errors.push({ at: now(), name: (error as Error).name });
          await sleep(20);
        }
      }
    }),
  );
  return { admitted, errors, status };
}

async function call(c: Extract<Command, { cmd: 'call' }>) {
  const breaker = registry.breaker('shared');
  let started = 0;
  const results = await Promise.all(
    Array.from({ length: c.count }, () =>
      breaker
        .execute(async () => {
          started++;
          await sleep(c.holdMs);
          return 'ok';
        })
        .then((v) => v, (e: unknown) => `${(e as Error).name}:${(e as { state?: string }).state ?? ''}`),
    ),
  );
  return { started, results, state: breaker.state() };
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      if (m.cmd === 'limit') send({ ok: true, ...(await limit(m)) });
      else if (m.cmd === 'fail') {
        const breaker = registry.breaker('shared');
        const out: string[] = [];
        for (let i = 0; i < m.times; i++) out.push(await breaker.execute(() => Promise.reject(new Error('boom'))).catch((e: Error) => e.name));
        await sleep(50); // outcomes are reported to Redis without holding the caller: let them land
        send({ ok: true, results: out, state: breaker.state() });
      } else if (m.cmd === 'call') send({ ok: true, ...(await call(m)) });
      else if (m.cmd === 'exit') {
        await app.close();
        send({ ok: true });
        process.disconnect();
      }
    } catch (error) {
      send({ ok: false, error: String((error as Error)?.stack ?? error) });
    }
  })();
});
process.on('unhandledRejection', (reason) => {
  send({ ok: false, unhandled: String(reason) });
});
send({ ready: true });
