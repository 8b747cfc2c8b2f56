// One chaos run, in a child process of test/chaos/chaos.e2e-spec.ts:
//   node --expose-gc --import ./bench/register.mjs test/chaos/chaos-scenario.ts '<ScenarioConfig>'
// 10,000 logical requests through the decorated provider of chaos-app.ts against the fault
// upstream (and, for the Redis store, a Redis of its own that is SIGKILLed mid-run and
// restarted). Reports one IPC message: what the upstream counted, checked by chaos-checks.ts.
import 'reflect-metadata';
import { inspect } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  CircuitBreakerOpenError,
  CircuitBreakerService,
  RateLimiterRejectedError,
  ResilienceRegistry,
  systemClock,
} from 'nest-resilience';
import {
  ApiClientError,
  UpstreamConnectionError,
  ApiClientRegistry,
  UpstreamTimeoutError,
  UpstreamRateLimitError,
  UpstreamServerError,
} from 'nest-resilience/http';
import { CircuitBreakerHealthIndicator } from 'nest-resilience/health';
import { StoreUnavailableError } from 'nest-resilience/redis';
import { ChaosService, ClientRecorder, createChaosApp } from './chaos-app.js';
import {
  attemptChecks,
  callsWhileOpen,
  faultCounts,
  maxInWindow,
  maxTrialsInFlight,
  shortOpenPeriods,
  statePeriods,
} from './chaos-checks.js';
import * as C from './chaos-config.js';
import { FaultUpstream } from './fault-upstream.js';
import { maxInSteadyWindow } from './window-spread.js';
import { startRedisServer } from '../../libs/resilience/src/redis/testing-support/redis-server.js';

const config = JSON.parse(process.argv[2] ?? '{}') as C.ScenarioConfig;
const N = config.requests ?? C.REQUESTS;
const canary = C.canaryFor(config.seed);
const now = () => systemClock.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run the chaos scenario with node --expose-gc');

// The canary: every piece of text the run produces goes through here.
const leaks = { count: 0, where: [] as string[] };
const scan = (text: string, where: string) => {
  if (!text.includes(canary)) return;
  leaks.count++;
  if (!leaks.where.includes(where)) leaks.where.push(where);
};
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    scan(String(chunk), 'process output');
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
const unhandled: string[] = [];
let unhandledCount = 0;
process.on('unhandledRejection', (reason) => {
  if (unhandledCount++ < 5) unhandled.push(String((reason as Error)?.stack ?? reason));
});

const capacity = N * (C.RETRY.maxRetries + 1) + 2000;
const upstream = new FaultUpstream({
  seed: config.seed,
  outages: C.OUTAGES,
  retryAfterSeconds: C.RETRY_AFTER_SECONDS,
  capacity,
  requests: N,
  echoHeader: C.CANARY_HEADER,
  expectedKey: canary,
});
await upstream.listen();
const redis = config.store === 'redis' ? await startRedisServer() : undefined;
// The parent kills our redis-server if this process is killed before it can.
const tellRedisPid = () => void process.send?.({ redisPid: redis?.pid() });
if (redis !== undefined) tellRedisPid();
const recorder = new ClientRecorder(capacity * 2, scan);
const app = await createChaosApp({
  baseUrl: upstream.baseUrl,
  canary,
  seed: config.seed,
  redisUrl: redis?.url,
  algorithm: config.algorithm,
  recorder,
});
const service = app.get(ChaosService);
const health = app.get(CircuitBreakerHealthIndicator);
const registry = app.get(ResilienceRegistry);
const client = app.get(ApiClientRegistry).get('upstream');
let healthSamples = 0;
let maxWaiting = 0;
const sampleHealth = () => {
  healthSamples++;
  maxWaiting = Math.max(maxWaiting, (registry.limiter('upstream').snapshot() as { waiting?: number }).waiting ?? 0);
  scan(JSON.stringify(health.isHealthy('circuits', { critical: [] })), 'health');
  scan(JSON.stringify(registry.breaker('upstream').snapshots()), 'breaker snapshot');
  scan(JSON.stringify(registry.limiter('upstream').snapshot()), 'limiter snapshot');
};

/** Runs `count` calls with ids from `first`, `workers` at a time; `done(id, error?)` after each. */
async function drive(first: number, count: number, workers: number, done: (id: number, error?: unknown) => void) {
  let next = first;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < first + count) {
        const id = next++;
        try {
          await service.call(id);
          done(id);
        } catch (error) {
          done(id, error);
        }
      }
    }),
  );
}

// Warm-up (ids ≥ N: the same fault mix, not recorded by the upstream), a breaker reset, then the heap baseline.
await drive(N, 600, 60, () => undefined);
app.get(CircuitBreakerService).reset('upstream');
await sleep(300);
// Measured with no connection open (socket pools differ in size with the traffic), after full GCs.
const heapOf = async () => {
  upstream.dropConnections();
  await sleep(200);
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
};
const heapBefore = await heapOf();

// The run.
const CLASSES: Record<string, abstract new (...a: never[]) => unknown> = {
  UpstreamConnectionError,
  UpstreamTimeoutError,
  UpstreamRateLimitError,
  UpstreamServerError,
  ApiClientError,
  CircuitBreakerOpenError,
  RateLimiterRejectedError,
  StoreUnavailableError,
};
const outcome = new Uint8Array(N); // 0 unsettled, 1 success, 2 documented error, 3 anything else
const errorCounts: Record<string, number> = {};
const unexpected: string[] = [];
const settle = (id: number, error?: unknown) => {
  if (error === undefined) return void (outcome[id] = 1);
  const name = (error as Error)?.constructor?.name ?? typeof error;
  errorCounts[name] = (errorCounts[name] ?? 0) + 1;
  const cls = CLASSES[name];
  const documented =
    (C.DOCUMENTED_ERRORS as readonly string[]).includes(name) &&
    cls !== undefined &&
    error instanceof cls &&
    (error as Error).name === name;
  outcome[id] = documented ? 2 : 3;
  if (!documented && unexpected.length < 5) unexpected.push(String((error as Error)?.stack ?? error));
  scan(String(error), 'String(error)');
  scan(String((error as Error)?.message), 'error.message');
  scan(JSON.stringify(error), 'error toJSON');
  scan(inspect(error, { depth: 6 }), 'inspect(error)');
};
recorder.stateChanges.length = 0; // the run's own transitions only
upstream.startRun();
// On Redis a call is admitted by the script, then dispatched once this process has read the
// reply: that wait (at most the longest event-loop block, plus the round trip) is part of its
// admission-to-arrival delay, on top of the dispatch-to-arrival one measured per request.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const runStart = now();
const redisEvents: Array<{ what: string; at: number }> = [];
let redisOps: Promise<void> = Promise.resolve();
const killTimer =
  redis === undefined
    ? undefined
    : setTimeout(() => {
        redisOps = (async () => {
          // Recorded as the signal is sent and as the new server is spawned: the store may notice either first.
          redisEvents.push({ what: 'killed', at: now() });
          await redis.kill();
          await sleep(C.REDIS_DOWN_MS);
          redisEvents.push({ what: 'restarted', at: now() });
          await redis.start();
          tellRedisPid();
        })();
      }, C.REDIS_KILL_AT_MS);
const healthTimer = setInterval(sampleHealth, 250);
// Bounded: whatever happens, the report goes out (unsettled requests are counted).
const RUN_LIMIT_MS = 150_000;
let watchdog: NodeJS.Timeout | undefined;
// Two halves, with a heap measurement between them once the first half has settled: one-time
// costs (code compiled for paths first taken in the run) land in the first half, so growth over
// the second half is what the run keeps per request.
let heapMid = 0;
const halves = (async () => {
  await drive(0, N / 2, C.CONCURRENCY, settle);
  heapMid = await heapOf();
  await drive(N / 2, N - N / 2, C.CONCURRENCY, settle);
})();
await Promise.race([halves, new Promise((r) => (watchdog = setTimeout(r, RUN_LIMIT_MS)))]);
clearTimeout(watchdog);
const runEnd = now();
clearInterval(healthTimer);
clearTimeout(killTimer);
await redisOps;
sampleHealth();
scan(JSON.stringify(client), 'JSON.stringify(client)');
scan(inspect(client, { depth: 6 }), 'inspect(client)');
// The client has settled every attempt; let the upstream notice the last closed sockets.
await sleep(500);
const heapAfter = await heapOf();

const log = upstream.log;
const arrivals = log.at.subarray(0, log.count);
loopDelay.disable();
const replyWaitMs = config.store === 'redis' ? loopDelay.max / 1e6 + C.REDIS_ROUND_TRIP_MS : 0;
// From the client's method to the upstream (ms): what a limiter's admission-to-wire margin must cover.
const delays = Float64Array.from({ length: log.count }, (_, i) => log.at[i]! - log.dispatchAt[i]!);
const wire = Float64Array.from(delays).sort();
const pick = (q: number) => Math.round(wire[Math.min(wire.length - 1, Math.floor(q * wire.length))]! * 10) / 10;
const wireDelayMs = { p50: pick(0.5), p99: pick(0.99), max: pick(1), replyWait: Math.round(replyWaitMs * 10) / 10 };
// Counted at arrival on the upstream, and at dispatch by the client's method (= admission in memory).
// The token bucket's documented bound is at admission: requests admitted in [t - D, t + W] can arrive in
// [t, t + W] when each reaches the wire within D ms, so at arrival docs/policies/rate-limiter.md ("At the upstream") promises
// burst + rate × (W + D) / period with D the largest admission-to-arrival delay (measured here).
// The sliding window promises at most `limit` per window at arrival while the spread of the delays
// in that window stays within its margin (on Redis a caller may run up to margin / 4 after Redis
// stamped it without a restamp, so dispatch-to-arrival delays may spread 3/4 of the margin).
const steadySpreadMs = C.SLIDING_LIMITER.safetyMarginMs * (config.store === 'redis' ? 0.75 : 1);
const wireMax = (wire.length > 0 ? wire[wire.length - 1]! : 0) + replyWaitMs;
const windows = [1000, 100, 20].map((w) => {
  const m = maxInWindow(arrivals, w);
  const bound = C.limiterBound(w, config.algorithm);
  const arrivalBound =
    config.algorithm === 'sliding-window' ? bound : C.limiterBound(w + Math.max(0, wireMax), config.algorithm);
  return {
    w,
    bound,
    arrivalBound,
    max: m.max,
    atMs: Math.round(m.at - runStart),
    atDispatch: maxInWindow(log.dispatchAt.subarray(0, log.count), w).max,
    ...(config.algorithm === 'sliding-window'
      ? { steady: maxInSteadyWindow(arrivals, delays, w, steadySpreadMs) }
      : {}),
  };
});
const cuts = recorder.storeStatus.filter((s) => s.status === 'down').map((s) => s.at);
const periods = statePeriods(recorder.stateChanges, runEnd, cuts);
const count = (v: number) => outcome.reduce((n, o) => n + (o === v ? 1 : 0), 0);
const report = {
  store: config.store,
  algorithm: config.algorithm ?? 'token-bucket',
  seed: config.seed,
  requests: N,
  runMs: runEnd - runStart,
  settled: { success: count(1), documentedError: count(2), otherError: count(3), unsettled: count(0) },
  errorCounts,
  unexpected,
  unhandledCount,
  unhandled,
  upstream: {
    arrivals: log.count,
    withKey: upstream.withKey,
    echoed: upstream.echoed,
    overflow: log.overflow,
    other: upstream.other,
    maxInFlight: upstream.maxInFlight,
    faults: faultCounts(log),
  },
  attempts: attemptChecks(log, C.RETRY.maxRetries + 1, recorder),
  windows,
  wireDelayMs,
  breaker: {
    changes: recorder.stateChanges.length,
    /** The first transitions, in ms from the start of the run. */
    firstChanges: recorder.stateChanges.slice(0, 8).map((c) => `${c.from}→${c.to}@${(c.at - runStart).toFixed(1)}`),
    opened: recorder.stateChanges.filter((c) => c.to === 'open').length,
    openPeriods: periods.open.length,
    openMs: periods.open.reduce((n, [a, b]) => n + (b - a), 0),
    shortOpenPeriods: shortOpenPeriods(recorder.stateChanges, C.BREAKER.recoveryTimeMs),
    ...callsWhileOpen(log, periods.open, runStart),
    trials: maxTrialsInFlight(log, periods.halfOpen, recorder.settleAt),
  },
  storeEvents: {
    status: recorder.storeStatus.map((s) => ({ status: s.status, atMs: Math.round(s.at - runStart) })),
    redis: redisEvents.map((e) => ({ what: e.what, atMs: Math.round(e.at - runStart) })),
  },
  heap: {
    before: heapBefore,
    mid: heapMid,
    after: heapAfter,
    growth: heapAfter - heapBefore,
    secondHalfGrowth: heapAfter - heapMid,
  },
  leaks,
  healthSamples,
  /** Most callers seen waiting for a limiter token (sampled every 250 ms). */
  maxWaiting,
  /** Arrivals at the upstream in each second of the run. */
  perSecond: Array.from({ length: Math.ceil((runEnd - runStart) / 1000) }, (_, k) =>
    arrivals.reduce((n, t) => n + (t >= runStart + k * 1000 && t < runStart + (k + 1) * 1000 ? 1 : 0), 0),
  ),
};
await app.close();
await redis?.kill();
await upstream.close();
if (process.send === undefined) console.log(JSON.stringify(report, null, 1));
else {
  process.send({ report });
  process.disconnect();
}
