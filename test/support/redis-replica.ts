// One replica for test/redis-cluster.e2e-spec.ts: a Nest application context with the Redis
// store, driven by the parent over IPC. Run with `node --import ./bench/register.mjs`.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ResilienceModule, ResilienceRegistry } from 'nest-resilience';
import type { RedisStore, StoreStatusEvent } from 'nest-resilience/redis';
import { sharedNow } from './shared-clock.js';

interface ReplicaConfig {
  url: string;
  keyPrefix: string;
  onStoreError?: 'fail-open' | 'fail-closed';
  expectedReplicas?: number;
  /** Default: the store's (200). A busy event loop does not fake an outage (see StoreLink). */
  storeTimeoutMs?: number;
  limiter: { rate: number; periodMs: number; burst: number; maxWaitMs?: number };
  breaker: { failureThreshold: number; recoveryTimeMs: number; halfOpenMaxCalls: number; successThreshold: number };
}

type Command =
  | { cmd: 'limit'; startAt: number; endAt: number; concurrency: number }
  | { cmd: 'burst'; startAt: number; count: number; stallMs: number }
  | { cmd: 'fail'; times: number }
  | { cmd: 'call'; count: number }
  | { cmd: 'hold'; count: number }
  | { cmd: 'release' }
  | { cmd: 'exit' };

/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;
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
        ...(config.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: config.storeTimeoutMs }),
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

// When did Redis admit a caller? Somewhere between the sending of the script call that
// admitted it and the moment the caller resumes. Only the limiter's bucket runs scripts on its
// key during `limit` (one call in flight at a time), so its last answered call is the admitting one.
let answeredSentAt = -Infinity;
const store = registry.store as RedisStore;
/** `[lo, hi]` of an admission that resumed its caller now (see `limit`). */
const admission = (start: number): [number, number] =>
  store.available ? [Math.max(start, answeredSentAt), now()] : [now() - 1, now()];
const client = store.client as unknown as Record<'evalsha' | 'eval', (...args: unknown[]) => Promise<unknown>>;
for (const method of ['evalsha', 'eval'] as const) {
  const real = client[method].bind(client);
  client[method] = (...args: unknown[]) => {
    const sentAt = now();
    const reply = real(...args);
    // The breaker's sync (every breakerSyncMs) runs scripts too: its answers say nothing of an
    // admission, and taking their send time as `lo` would place an admission too late.
    const bucketCall = !String(args[2] ?? '').includes('{breaker:');
    reply.then(
      () => {
        if (bucketCall) answeredSentAt = sentAt;
      },
      () => undefined,
    );
    return reply;
  };
}

/**
 * Workers take tokens until `endAt`. Each admission is reported as `[lo, hi]`: it happened
 * no earlier than lo (the later of the call's start and the sending of the script call that
 * answered last) and no later than hi (when the caller resumed); an admission by the local
 * share while the store is down happened just before the caller resumed (same macrotask).
 * Also returns error names.
 */
async function limit(c: Extract<Command, { cmd: 'limit' }>) {
  const limiter = registry.limiter('shared');
  const admitted: Array<[number, number]> = [];
  const errors: Array<{ at: number; name: string }> = [];
  await sleep(Math.max(0, c.startAt - now()));
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      // The first call is always made: a replica the machine stalled past endAt still takes part.
      for (let i = 0; i < 100_000 && (i === 0 || now() < c.endAt); i++) {
        const start = now();
        try {
          await limiter.acquire();
          admitted.push(admission(start));
        } catch (error) {
          errors.push({ at: now(), name: (error as Error).name });
          await sleep(20);
        }
      }
    }),
  );
  return { admitted, errors, status };
}

/**
 * `count` calls submitted in one tick, then `stallMs` of synchronous work (the event loop
 * blocked while the answers arrive). Admissions and errors as in {@link limit}.
 */
async function burst(c: Extract<Command, { cmd: 'burst' }>) {
  const limiter = registry.limiter('shared');
  const admitted: Array<[number, number]> = [];
  const errors: Array<{ at: number; name: string }> = [];
  await sleep(Math.max(0, c.startAt - now()));
  // Submitted outside the timers phase (as from a request handler): the next loop iteration
  // runs due timers before it reads the sockets, so a deadline timer fires while the answer
  // waits unread (submitted from a timer callback, the loop's cached time would hide it).
  await new Promise((r) => setImmediate(r));
  const start = now();
  const calls = Array.from({ length: c.count }, () =>
    limiter.acquire().then(
      () => void admitted.push(admission(start)),
      (error: unknown) => void errors.push({ at: now(), name: (error as Error).name }),
    ),
  );
  const until = now() + c.stallMs;
  while (now() < until) {
    // blocked: the script's answer waits unread in the socket
  }
  await Promise.all(calls);
  return { admitted, errors, status };
}

/** `count` concurrent calls through the breaker, each held until `gate` resolves. */
function calls(count: number, gate: Promise<void>) {
  const breaker = registry.breaker('shared');
  const tally = { started: 0, rejected: 0 };
  const results = Promise.all(
    Array.from({ length: count }, () =>
      breaker
        .execute(async () => {
          tally.started++;
          await gate;
          return 'ok';
        })
        .then(
          (v) => v,
          (e: unknown) => {
            tally.rejected++;
            return `${(e as Error).name}:${(e as { state?: string }).state ?? ''}`;
          },
        ),
    ),
  );
  return { tally, results };
}

let held: { tally: { started: number; rejected: number }; results: Promise<string[]>; release: () => void } | undefined;

/** Starts held calls and answers once each one is decided (running, or refused). */
async function hold(count: number) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { tally, results } = calls(count, gate);
  held = { tally, results, release };
  for (let i = 0; i < 2000 && tally.started + tally.rejected < count; i++) await sleep(5);
  return { started: tally.started, rejected: tally.rejected };
}

process.on('message', (m: Command) => {
  void (async () => {
    try {
      if (m.cmd === 'limit') send({ ok: true, ...(await limit(m)) });
      else if (m.cmd === 'burst') send({ ok: true, ...(await burst(m)) });
      else if (m.cmd === 'fail') {
        const breaker = registry.breaker('shared');
        const out: string[] = [];
        for (let i = 0; i < m.times; i++)
          out.push(await breaker.execute(() => Promise.reject(new Error('boom'))).catch((e: Error) => e.name));
        // Outcomes reach Redis without holding the caller: the parent waits for the shared state.
        send({ ok: true, results: out, state: breaker.state() });
      } else if (m.cmd === 'call') {
        const { tally, results } = calls(m.count, Promise.resolve());
        send({ ok: true, results: await results, started: tally.started, state: registry.breaker('shared').state() });
      } else if (m.cmd === 'hold') send({ ok: true, ...(await hold(m.count)) });
      else if (m.cmd === 'release') {
        const h = held!;
        held = undefined;
        h.release();
        send({ ok: true, results: await h.results, started: h.tally.started });
      } else if (m.cmd === 'exit') {
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
