// The chaos suite: 10,000 logical requests through a decorated Nest provider → ApiClient → a
// seeded fault-injecting upstream, on the memory store and on the Redis store (a Redis of the
// run's own, SIGKILLed mid-run and restarted). Each run is a child process
// (test/chaos/chaos-scenario.ts, with --expose-gc); the runs (token bucket and sliding window,
// each on both stores) go two at a time. The upstream
// counts on its own side; every assertion is on counts and bounds, never on durations.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Fault } from './faults.js';
import * as C from './chaos-config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEED = 20261202;
const canary = C.canaryFor(SEED);
/** Heap growth allowed after the run (all settled, no connection open, gc'd), against the baseline after warm-up. */
const HEAP_MARGIN_BYTES = 4 * 1024 * 1024;
/**
 * Growth allowed over the second 5,000 requests (after the first half's one-time costs): about
 * 100 bytes per request. Measured: 0.1 MB; keeping every call's outcome (a leak of one error or
 * small object per call) makes it 1.4 MB; GC noise on a loaded machine reached 0.6 MB.
 */
const SECOND_HALF_MARGIN_BYTES = 768 * 1024;
const CHILD_LIMIT_MS = 170_000;

interface Run {
  // The child's report (see chaos-scenario.ts); `any` keeps the assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  report: any;
  output: string;
  code: number | null;
  wallMs: number;
}

function killRedisServer(pid: number): void {
  try {
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'redis-server') process.kill(pid, 'SIGKILL');
  } catch {
    // already gone (or no /proc: nothing we can check, so nothing is killed)
  }
}

function runScenario(config: C.ScenarioConfig): Promise<Run> {
  const started = Date.now();
  const child = fork(`${root}/test/chaos/chaos-scenario.ts`, [JSON.stringify(config)], {
    cwd: root,
    execArgv: ['--expose-gc', '--import', './bench/register.mjs'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  let report: unknown;
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const redisPids = new Set<number>();
  child.on('message', (m: { report?: unknown; redisPid?: number }) => {
    if (m.redisPid !== undefined) redisPids.add(m.redisPid);
    if (m.report !== undefined) report = m.report;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      // The child kills its redis-server on the way out; if it died first, we do (by pid, and
      // only while that pid is still a redis-server).
      if (code !== 0) for (const pid of redisPids) killRedisServer(pid);
      resolve({ report, output, code, wallMs: Date.now() - started });
    });
  });
}

/** The runs, started together (each is a child process). */
const RUNS = {
  memory: { store: 'memory', seed: SEED },
  redis: { store: 'redis', seed: SEED },
  'memory, sliding-window limiter': { store: 'memory', seed: SEED, algorithm: 'sliding-window' },
  'redis, sliding-window limiter': { store: 'redis', seed: SEED, algorithm: 'sliding-window' },
} as const satisfies Record<string, C.ScenarioConfig>;
type RunName = keyof typeof RUNS;

let runs: Promise<Record<RunName, Run>> | undefined;
const startRuns = () =>
  (runs ??= (async () => {
    // Two at a time (one memory, one Redis): four at once overload a 2-core machine so much
    // that admission-to-wire delays reach a second and most calls time out.
    const names = Object.keys(RUNS) as RunName[];
    const done: Run[] = [];
    for (let i = 0; i < names.length; i += 2)
      done.push(...(await Promise.all(names.slice(i, i + 2).map((n) => runScenario(RUNS[n])))));
    return Object.fromEntries(names.map((n, i) => [n, done[i]!])) as Record<RunName, Run>;
  })());

describe.each(Object.keys(RUNS) as RunName[])('chaos: 10,000 requests, %s', (name) => {
  const { store } = RUNS[name];
  let run: Run;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let r: any;
  beforeAll(async () => {
    run = (await startRuns())[name];
    // Without a report every check fails with this one message (the first test shows why).
    r =
      run.report ??
      new Proxy(
        {},
        {
          get: () => {
            throw new Error(
              `the ${name} run did not report (exit code ${run.code}): see "the run completed and reported"`,
            );
          },
        },
      );
    // One line per run for the CI log (no canary in it: the report holds none, see below).
    const s = run.report;
    process.stdout.write(
      `[chaos ${name}] child ${run.wallMs} ms, run ${Math.round(s?.runMs ?? -1)} ms, ${JSON.stringify({ settled: s?.settled, errors: s?.errorCounts, windows: s?.windows, wireDelayMs: s?.wireDelayMs, breaker: s?.breaker, attempts: s?.attempts, heap: s?.heap, store: s?.storeEvents })}\n`,
    );
  }, CHILD_LIMIT_MS + 10_000);

  it('the run completed and reported', () => {
    expect({
      code: run.code,
      reported: run.report !== undefined,
      tail: run.report === undefined ? run.output.slice(-3000) : '',
    }).toEqual({ code: 0, reported: true, tail: '' });
  });

  it('every request settles with a success or a documented typed error', () => {
    expect(r.unexpected).toEqual([]);
    expect(r.settled).toEqual({
      success: expect.any(Number),
      documentedError: expect.any(Number),
      otherError: 0,
      unsettled: 0,
    });
    expect(r.settled.success + r.settled.documentedError).toBe(C.REQUESTS);
    for (const name of Object.keys(r.errorCounts)) expect(C.DOCUMENTED_ERRORS).toContain(name);
    // The run exercised the success path too (faults, outages and open breakers refuse the rest).
    expect(r.settled.success).toBeGreaterThan(C.REQUESTS / 5);
  });

  it('no unhandled rejection', () => {
    expect({ count: r.unhandledCount, first: r.unhandled }).toEqual({ count: 0, first: [] });
  });

  it('the upstream saw every kind of fault (the run exercised what it claims)', () => {
    const kinds = Object.keys(Fault).filter((k) => Number.isNaN(Number(k)));
    expect(kinds.filter((k) => !(r.upstream.faults[k] > 0))).toEqual([]);
    expect(r.upstream.overflow).toBe(0);
  });

  it('attempts per logical request, counted by the upstream, are at most maxRetries + 1', () => {
    expect(r.attempts.overLimit).toEqual([]);
    expect(r.attempts.most).toBeLessThanOrEqual(C.RETRY.maxRetries + 1);
    expect(r.attempts.most).toBeGreaterThan(1);
  });

  it('a non-transient answer (invalid JSON) is never retried', () => {
    expect(r.upstream.faults.MalformedJson).toBeGreaterThan(0);
    expect(r.attempts.retriedAfterPermanent).toBe(0);
  });

  it('a POST without an idempotency key is never sent again once the upstream may have processed it', () => {
    expect(r.attempts.postRequests).toBeGreaterThan(0);
    expect({ doubleBilled: r.attempts.doubleBilled, examples: r.attempts.doubleBilledExamples }).toEqual({
      doubleBilled: 0,
      examples: [],
    });
  });

  it('no retry reaches the upstream before the Retry-After hint (seconds and HTTP date)', () => {
    expect(r.attempts.hintedRetried).toBeGreaterThan(0);
    expect({ early: r.attempts.earlyRetries, examples: r.attempts.earlyExamples }).toEqual({ early: 0, examples: [] });
  });

  const algorithm = (RUNS[name] as C.ScenarioConfig).algorithm ?? 'token-bucket';
  if (algorithm === 'sliding-window') {
    // docs/policies/rate-limiter.md, "The guarantee": at most `rate` per window at the upstream while
    // no request in it arrived more than safetyMarginMs later (after admission) than another one.
    // Windows outside that condition (a starved 2-core machine, upstream in the client's process)
    // are counted in `steady.excluded`, not checked.
    it('the upstream never sees more than limit per window in any window whose delays spread within the margin (counted at arrival)', () => {
      type Steady = { w: number; arrivalBound: number; steady: { max: number } };
      const over = r.windows.filter((w: Steady) => w.steady.max > w.arrivalBound);
      expect({ over, wireDelayMs: r.wireDelayMs }).toEqual({ over: [], wireDelayMs: r.wireDelayMs });
      // The limiter was the bottleneck in windows inside the condition, so the bound was really tested.
      expect(r.windows.find((w: Steady) => w.w === 1000).steady.max).toBeGreaterThanOrEqual(
        0.9 * C.saturatedRate(algorithm),
      );
    });
  } else {
    it('the upstream never sees more than burst + rate × (W + D) / period (D: admission-to-arrival delay) in any window (counted at arrival)', () => {
      const over = r.windows.filter((w: { max: number; arrivalBound: number }) => w.max > w.arrivalBound);
      expect({ over, wireDelayMs: r.wireDelayMs }).toEqual({ over: [], wireDelayMs: r.wireDelayMs });
      // The limiter was the bottleneck, so the bound was really tested.
      expect(r.windows.find((w: { w: number }) => w.w === 1000).max).toBeGreaterThanOrEqual(
        0.9 * C.saturatedRate(algorithm),
      );
    });
  }

  if (store === 'memory') {
    // In memory a caller's method runs in the same macrotask as its admission: dispatch times are admission times.
    it('the limiter itself admits no more than its bound in any window (counted at dispatch by the method)', () => {
      const over = r.windows.filter((w: { atDispatch: number; bound: number }) => w.atDispatch > w.bound);
      expect(over).toEqual([]);
    });
  }

  it('once the breaker is open nothing but trials reaches the upstream, at most halfOpenMaxCalls at once', () => {
    expect(r.breaker.opened).toBeGreaterThanOrEqual(2); // the two outages at least
    expect({ dispatchedWhileOpen: r.breaker.dispatchedWhileOpen, examples: r.breaker.examples }).toEqual({
      dispatchedWhileOpen: 0,
      examples: [],
    });
    // What arrived inside open periods was all sent before the opening (in flight then).
    expect(r.breaker.arrivedWhileOpen).toBe(r.breaker.arrivedInFlightAtOpening);
    expect(r.breaker.trials.trials).toBeGreaterThan(0);
    expect(r.breaker.trials.max).toBeLessThanOrEqual(C.BREAKER.halfOpenMaxCalls);
  });

  it('every reported open period lasts at least recoveryTimeMs', () => {
    expect(r.breaker.shortOpenPeriods).toEqual([]);
  });

  it('the heap is back within a small margin after the run (and nothing is kept per request)', () => {
    expect(r.heap.growth).toBeLessThanOrEqual(HEAP_MARGIN_BYTES);
    expect(r.heap.secondHalfGrowth).toBeLessThanOrEqual(SECOND_HALF_MARGIN_BYTES);
  });

  it('the canary key appears nowhere: output, logs, errors (message, String, toJSON, inspect), health, snapshots', () => {
    // The key was live: every request carried it, and the upstream echoed it back in its error bodies.
    expect(r.upstream.withKey).toBe(r.upstream.arrivals);
    expect(r.upstream.echoed).toBeGreaterThan(0);
    expect(r.healthSamples).toBeGreaterThan(10);
    expect(r.leaks).toEqual({ count: 0, where: [] });
    expect(run.output.includes(canary)).toBe(false);
    expect(JSON.stringify(run.report).includes(canary)).toBe(false);
  });

  if (store === 'redis') {
    it('Redis SIGKILLed mid-run and restarted: exactly one outage reported, down after the kill, up after the restart', () => {
      const [killed, restarted] = r.storeEvents.redis as Array<{ what: string; atMs: number }>;
      expect(r.storeEvents.redis.map((e: { what: string }) => e.what)).toEqual(['killed', 'restarted']);
      const status = r.storeEvents.status as Array<{ status: string; atMs: number }>;
      expect(status.map((s) => s.status)).toEqual(['down', 'up']);
      expect(status[0]!.atMs).toBeGreaterThanOrEqual(killed!.atMs);
      expect(status[1]!.atMs).toBeGreaterThanOrEqual(restarted!.atMs);
    });
  }
});
