// The 3 AM scenario (issue 10): three processes share one provider limit through Executors on the
// Redis store. A runs a 3,000-task batch in the `batch` lane (≤ 70% of the limit, 20% reserved
// for `interactive`) plus interactive calls of its own; B and C make interactive calls. The
// provider (test/support/limited-provider.ts) counts on its side, in a process of its own (as another
// machine would: a GC pause of jest's heap must not bunch its arrival stamps). Workers:
// test/executor-3am/worker.ts.
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { uniquePrefix } from '../libs/resilience/src/redis/testing-support/redis-server.js';
import { useTestRedis } from '../libs/resilience/src/redis/testing-support/use-test-redis.js';
import { workerScript, type RunCommand, type RunResult, type SharedExecutorOptions } from './executor-3am/config.js';
import { maxInWindow } from './support/limited-provider.js';
import { startLimitedProviderProcess, type RemoteLimitedProvider } from './support/limited-provider-process.js';
import { spawnAll, stopAll, type Replica } from './support/replicas.js';
import { sharedNow } from './support/shared-clock.js';

/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;
/** The provider's limit: L requests per W ms (sliding window). */
const L = 100;
const W = 1000;
const BATCH = 3000;
/** Every bound of a run (workers report what is not terminal by then). */
const RUN_DEADLINE_MS = 80_000;

const lanes = [
  { name: 'interactive', reserve: 0.2 },
  { name: 'batch', maxShare: 0.7 },
];
const shared = (o: Partial<SharedExecutorOptions> = {}): SharedExecutorOptions => ({
  requestsRate: L,
  requestsPeriodMs: W,
  concurrencyLimit: 32,
  queueCapacity: BATCH + 500,
  // Admission (Redis time) to arrival at the provider takes a few ms, and up to ~200 ms on a loaded
  // 2-core machine at the start of the run (3 processes, 32 new connections each).
  safetyMarginMs: 250,
  maxWaitMs: RUN_DEADLINE_MS,
  lanes,
  ...o,
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const report = (title: string, results: RunResult[]) =>
  // The measured interactive waits (submission → callStartedAt): reported, not asserted.
  console.log(
    `${title}\n` +
      results
        .map(
          (r) =>
            `  ${r.name}: interactive waits n=${r.interactiveWaits.count} p50=${r.interactiveWaits.p50.toFixed(1)} ms ` +
            `p99=${r.interactiveWaits.p99.toFixed(1)} ms max=${r.interactiveWaits.max.toFixed(1)} ms` +
            (r.batchMs >= 0 && r.submitted.batch
              ? `; batch of ${r.submitted.batch} in ${(r.batchMs / 1000).toFixed(1)} s`
              : ''),
        )
        .join('\n'),
  );

// One retry, logged. In 1 of 5 runs on a loaded 2-core CI box the provider once counted 81 batch
// arrivals in one window against the batch cap of 70 (every other check held). Cause: a starved
// process ran the callers a script reply released later than the margin after Redis stamped their
// admissions; the Redis sliding window now restamps such admissions from when their callers ran
// (redis-sliding-window.restamp.spec.ts fails without it). The retry stays for real-time jitter
// beyond the margin; a regression of the lanes still fails both runs. Later (CI of b0164f4) the
// provider, then in jest's process, once counted 88 batch arrivals in one window: it now runs in
// its own process (limited-provider-main.ts), so a pause of jest's process no longer stamps the
// requests that arrived during it as one bunch.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('Executor: the 3 AM scenario, three processes on Redis', () => {
  const t = useTestRedis();
  let provider: RemoteLimitedProvider | undefined;
  let workers: Replica[] = [];

  const start = async (
    providerOptions: Parameters<typeof startLimitedProviderProcess>[0],
    executor: SharedExecutorOptions,
  ) => {
    provider = await startLimitedProviderProcess(providerOptions);
    const keyPrefix = uniquePrefix('e2e-3am');
    t.prefixes.push(keyPrefix);
    workers = await spawnAll(
      ['A', 'B', 'C'].map((name) => ({ name, redisUrl: t.url, keyPrefix, providerUrl: provider!.url, executor })),
      workerScript,
    );
    return { provider, workers };
  };
  const finish = async () => {
    await stopAll(workers);
    workers = [];
    await provider?.close();
    provider = undefined;
  };
  afterAll(finish, 30_000);

  it('batch in A at 70%, interactive in A, B, C: zero 429s, nothing lost, interactive admitted first in A', async () => {
    const {
      provider: p,
      workers: [a, b, c],
    } = await start({ requests: L, windowMs: W, latencyMs: 3 }, shared());
    try {
      // Start-up (spawning, compiling, connecting) is over before the run starts.
      const startAt = now() + 500;
      const base = { cmd: 'run', startAt, estimate: 0, deadlineMs: RUN_DEADLINE_MS } as const;
      const commands: RunCommand[] = [
        { ...base, batch: BATCH, interactive: 400, intervalMs: 250, interactiveWhileBatch: true },
        { ...base, batch: 0, interactive: 150, intervalMs: 250, interactiveWhileBatch: false },
        { ...base, batch: 0, interactive: 150, intervalMs: 250, interactiveWhileBatch: false },
      ];
      const results = await Promise.all(
        [a!, b!, c!].map((w, i) => w.request<RunResult>(commands[i], RUN_DEADLINE_MS + 15_000)),
      );
      report('3 AM scenario (requests limit)', results);
      const s = await p.stats();
      if (s.rejected > 0) console.log('refusals', JSON.stringify(s.refusals));
      // Zero 429s, counted by the provider, and by the tasks.
      expect(s.rejectedBy).toEqual({ requests: 0, tokens: 0 });
      expect(s.maxRequestsInWindow).toBeLessThanOrEqual(L);
      expect(results.map((r) => r.client429)).toEqual([0, 0, 0]);
      // Nothing lost: every submitted event terminal and COMPLETED; the same counts on both sides.
      for (const r of results) {
        for (const [lane, n] of Object.entries(r.submitted)) {
          expect({ name: r.name, lane, statuses: r.statuses[lane] ?? {} }).toEqual({
            name: r.name,
            lane,
            statuses: n === 0 ? {} : { COMPLETED: n },
          });
          expect(s.okBy[`${r.name}/${lane}`] ?? 0).toBe(n);
          expect(r.okByLane[lane] ?? 0).toBe(n);
        }
        expect(r.errors).toEqual([]);
      }
      expect(results[0]!.submitted.batch).toBe(BATCH);
      expect(s.arrivals).toBe(sum(results.flatMap((r) => Object.values(r.submitted))));
      expect(s.duplicates).toBe(0);
      // In A, every interactive call was admitted before every batch task still QUEUED when it was submitted.
      expect(results[0]!.interactiveDuringBatch).toBeGreaterThan(10); // the check had something to check
      expect({ overtaken: results[0]!.overtaken, examples: results[0]!.overtakenExamples }).toEqual({
        overtaken: 0,
        examples: [],
      });
      expect(results.map((r) => r.interactiveWaits.count)).toEqual(results.map((r) => r.submitted.interactive));
      expect(workers.some((w) => w.crashed())).toBe(false);
      // The batch lane's cap (70% of L), counted by the provider in any window.
      const batch = (await p.arrivals()).filter((x) => x.lane === 'batch');
      expect(maxInWindow(batch, W, () => 1)).toBeLessThanOrEqual(0.7 * L);
    } finally {
      await finish();
    }
  }, 120_000);

  it('tokens limit with every estimate 50% low (usage = 2 × estimate): no provider window over its token limit', async () => {
    const T = 6000;
    const estimate = 50; // the provider reports 100
    const { provider: p, workers: ws } = await start(
      { requests: 1000, windowMs: W, tokens: T, usageFactor: 2, latencyMs: 3 },
      shared({ requestsRate: 1000, apiTokensRate: T, apiTokensPeriodMs: W, lanes: undefined, concurrencyLimit: 8 }),
    );
    try {
      const startAt = now() + 500;
      const command: RunCommand = {
        cmd: 'run',
        startAt,
        batch: 400, // 3 × 400 × 100 tokens = 20 windows' worth at T
        batchLane: 'default',
        interactive: 0,
        intervalMs: 0,
        interactiveLane: 'default',
        interactiveWhileBatch: true,
        estimate,
        deadlineMs: RUN_DEADLINE_MS,
      };
      const results = await Promise.all(ws.map((w) => w.request<RunResult>(command, RUN_DEADLINE_MS + 15_000)));
      report('3 AM scenario (tokens limit, estimates 50% low)', results);
      const s = await p.stats();
      if (s.rejected > 0) console.log('refusals', JSON.stringify(s.refusals));
      console.log(
        `  provider: max tokens in a window ${s.maxTokensInWindow} / ${T}, ${s.ok} ok, ${s.rejected} refused`,
      );
      expect(s.maxTokensInWindow).toBeLessThanOrEqual(T);
      expect(s.rejectedBy).toEqual({ requests: 0, tokens: 0 });
      for (const r of results) {
        expect({ name: r.name, statuses: r.statuses.default }).toEqual({ name: r.name, statuses: { COMPLETED: 400 } });
        expect(s.okBy[`${r.name}/default`]).toBe(400);
      }
      // The usage the provider counted is twice the estimates: the limit held on actual usage, not estimates.
      expect(sum((await p.arrivals()).map((x) => x.usage))).toBe(3 * 400 * 2 * estimate);
      expect(ws.some((w) => w.crashed())).toBe(false);
    } finally {
      await finish();
    }
  }, 120_000);
});
