/**
 * Executor section "lanes": a batch plus interactive calls on one limit, through our Executor,
 * p-queue 9 and bottleneck 2, one after the other against the same strict provider.
 *
 * The provider (a child process, core/testing-support/sliding-window-server.ts) allows L requests
 * in any window of W ms, counted on its side as each request arrives, and answers 429 above it.
 * Every run: `BATCH` batch tasks submitted at once, and, while the batch lasts, one interactive
 * call every `INTERACTIVE_EVERY_MS` (28 % of the limit; the same pattern for every library). Every
 * task is one GET (a 429 is counted, not retried). Each library is set to the provider's limit:
 * - ours: `algorithm: 'sliding-window'`, L per W, lanes `interactive` over `batch`, in the
 *   configurations of {@link OURS_LANES} (a small reserve; the batch's cap alone; reserve 0.3 + cap 0.7);
 * - p-queue: `intervalCap: L, interval: W`, priority 1 over 0 (fixed windows), and the same with
 *   `strict: true` (its sliding window);
 * - bottleneck: `reservoir: L` refreshed to L every W, and `minTime: W / L`, priority 1 over 5.
 * Measured: windows over the limit (the server's 429s: each is an arrival with more than L in its
 * window), the most arrivals in any W (server clock), the rate of 200s between the end of the first
 * window and the last batch start (% of L per W), the interactive wait (submit → the task starts)
 * p50 / p99 / max (and p99 of the calls submitted after the first window), and the median request
 * time. The ours-only target: p99 wait ≤ W / L (one token interval) + the median request time.
 */
import Bottleneck from 'bottleneck';
import PQueue from 'p-queue';
import { Executor } from '../libs/resilience/src/executor/executor.js';
import {
  maxArrivalsInWindow,
  startSlidingWindowServer,
  type SlidingWindowServer,
} from '../libs/resilience/src/core/testing-support/sliding-window-server.js';
import { delay, fmt, nowMs } from './lib/stats.js';
import { markdownTable, type TargetRow } from './lib/report.js';

/** The provider's limit: L requests per W ms (one token every 10 ms). */
export const LANES_LIMIT = 100;
export const LANES_WINDOW_MS = 1000;
const CONCURRENCY = 50;
const INTERACTIVE_EVERY_MS = 1000 / 28;
const CAP_MS = 20_000;

/** One library under test: runs `fn` in the given lane once admitted. */
interface LaneRunner {
  name: string;
  /** Ours only: the configuration's label. */
  label?: string;
  run: (lane: 'interactive' | 'batch', fn: () => Promise<number>) => Promise<number>;
  close: () => Promise<unknown>;
}

/** One measured run. */
export interface LanesRow {
  name: string;
  /** Ours only: the configuration's label ({@link OursLanes}). */
  label?: string;
  batch: number;
  interactive: number;
  ok: number;
  limited: number;
  /** Arrivals the server answered 429 (each one is a window over L, server counted). */
  windowsOver: number;
  maxInWindow: number;
  /** The most task starts in any W on the client's clock (what the limiter admitted, before the trip to the server). */
  maxStartsInWindow: number;
  /** 200s per W between the end of the first window and the last batch start, over L. */
  achievedRatio: number;
  waitP50: number;
  waitP99: number;
  waitMax: number;
  /** p99 wait of the interactive calls submitted after the first window (the start's burst left out). */
  waitP99Steady: number;
  requestP50: number;
  runMs: number;
  timedOut: boolean;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const L = LANES_LIMIT;
const W = LANES_WINDOW_MS;

/** One configuration of our executor's lanes (the same limit, concurrency and safety margin in each). */
export interface OursLanes {
  /** The row's label in the summary. */
  label: string;
  /** `reserve` of the interactive lane (the batch's floor). */
  reserve: number;
  /** `maxShare` of the batch lane (1: no cap). */
  batchMaxShare: number;
}

/**
 * Ours, headline first: a reserve sized for the interactive arrivals (a few tokens of headroom),
 * then the 0.3 reserve / 0.7 cap of the previous runs (the floor doing its job: about 70 % by design).
 */
export const OURS_LANES: readonly OursLanes[] = [
  { label: 'reserve 0.05 + maxShare 0.95', reserve: 0.05, batchMaxShare: 0.95 },
  { label: 'maxShare 0.7 only', reserve: 0, batchMaxShare: 0.7 },
  { label: 'reserve 0.3 + maxShare 0.7', reserve: 0.3, batchMaxShare: 0.7 },
];

/** The runners, each created only when measured. */
function runners(ours: readonly OursLanes[]): Array<() => LaneRunner> {
  return [
    ...ours.map((c) => () => {
      const ex = Executor.create(`bench-lanes-${c.reserve}-${c.batchMaxShare}`, {
        concurrencyLimit: CONCURRENCY,
        queueCapacity: 100_000,
        requestsRate: L,
        requestsPeriodMs: W,
        algorithm: 'sliding-window',
        maxWaitMs: 60_000,
        lanes: [
          { name: 'interactive', reserve: c.reserve },
          { name: 'batch', ...(c.batchMaxShare < 1 ? { maxShare: c.batchMaxShare } : {}) },
        ],
        defaultLane: 'batch',
      });
      return {
        name: `nest-resilience Executor (sliding window; ${c.label})`,
        label: c.label,
        run: (lane: 'interactive' | 'batch', fn: () => Promise<number>) => ex.execute(() => fn(), { lane }),
        close: () => ex.stop(),
      };
    }),
    ...[false, true].map((strict) => () => {
      const q = new PQueue({ concurrency: CONCURRENCY, intervalCap: L, interval: W, strict });
      return {
        name: `p-queue 9 (intervalCap ${L}, interval ${W}${strict ? ', strict' : ''}; priority)`,
        run: (lane: 'interactive' | 'batch', fn: () => Promise<number>) =>
          q.add(fn, { priority: lane === 'interactive' ? 1 : 0 }) as Promise<number>,
        close: async () => q.clear(),
      };
    }),
    ...(['reservoir', 'minTime'] as const).map((mode) => () => {
      const b = new Bottleneck(
        mode === 'reservoir'
          ? { maxConcurrent: CONCURRENCY, reservoir: L, reservoirRefreshAmount: L, reservoirRefreshInterval: W }
          : { maxConcurrent: CONCURRENCY, minTime: W / L },
      );
      return {
        name: `bottleneck 2.19 (${mode === 'reservoir' ? `reservoir ${L} per ${W} ms` : `minTime ${W / L} ms`}; priority)`,
        run: (lane: 'interactive' | 'batch', fn: () => Promise<number>) =>
          b.schedule({ priority: lane === 'interactive' ? 1 : 5 }, fn),
        close: () => b.stop({ dropWaitingJobs: false }),
      };
    }),
  ];
}

async function measureOne(server: SlidingWindowServer, make: () => LaneRunner, batch: number): Promise<LanesRow> {
  const lim = make();
  await server.reset();
  const batchStarts: number[] = [];
  const okStarts: number[] = [];
  const allStarts: number[] = [];
  const waits: number[] = [];
  const steadyWaits: number[] = [];
  const requestMs: number[] = [];
  let limited = 0;
  const call = async (): Promise<number> => {
    const start = nowMs();
    allStarts.push(start);
    const code = await server.get();
    if (code === 200) okStarts.push(start);
    else if (code === 429) limited++;
    return code;
  };
  const t0 = nowMs();
  const batchDone = Promise.all(
    Array.from({ length: batch }, () => lim.run('batch', () => (batchStarts.push(nowMs()), call())).catch(() => -1)),
  );
  let batchOver = false;
  void batchDone.then(() => (batchOver = true));
  const interactive: Promise<unknown>[] = [];
  // Open loop: one interactive call every INTERACTIVE_EVERY_MS while the batch lasts (bounded by CAP_MS).
  for (let k = 1; !batchOver && nowMs() - t0 < CAP_MS; k++) {
    const submitted = nowMs();
    interactive.push(
      lim
        .run('interactive', async () => {
          const start = nowMs();
          waits.push(start - submitted);
          if (submitted - t0 > W) steadyWaits.push(start - submitted);
          const code = await call();
          requestMs.push(nowMs() - start);
          return code;
        })
        .catch(() => -1),
    );
    await delay(Math.max(0, t0 + k * INTERACTIVE_EVERY_MS - nowMs()));
  }
  const timedOut = !batchOver;
  await Promise.race([Promise.all(interactive), delay(CAP_MS)]);
  const runMs = nowMs() - t0;
  await lim.close();
  const { arrivals, rejected } = await server.stats();
  const sortedArrivals = [...arrivals].sort((a, b) => a - b);
  const lastBatch = Math.max(...batchStarts);
  const from = Math.min(...batchStarts) + W;
  const steady = okStarts.filter((t) => t > from && t <= lastBatch).length;
  const span = lastBatch - from;
  const sortedWaits = [...waits].sort((a, b) => a - b);
  const sortedReq = [...requestMs].sort((a, b) => a - b);
  return {
    name: lim.name,
    ...(lim.label !== undefined ? { label: lim.label } : {}),
    batch,
    interactive: interactive.length,
    ok: okStarts.length,
    limited,
    windowsOver: rejected,
    maxInWindow: maxArrivalsInWindow(sortedArrivals, W),
    maxStartsInWindow: maxArrivalsInWindow(
      [...allStarts].sort((a, b) => a - b),
      W,
    ),
    achievedRatio: span > 0 ? (steady * W) / span / L : NaN,
    waitP50: quantile(sortedWaits, 0.5),
    waitP99: quantile(sortedWaits, 0.99),
    waitMax: sortedWaits[sortedWaits.length - 1] ?? NaN,
    waitP99Steady: quantile(
      [...steadyWaits].sort((a, b) => a - b),
      0.99,
    ),
    requestP50: quantile(sortedReq, 0.5),
    runMs,
    timedOut,
  };
}

/** Runs every library once, `batch` batch tasks each, pausing one window between runs. */
export async function measureLanes(batch: number, ours: readonly OursLanes[] = OURS_LANES): Promise<LanesRow[]> {
  const server = await startSlidingWindowServer(L, W);
  try {
    await server.warm(CONCURRENCY);
    const rows: LanesRow[] = [];
    for (const make of runners(ours)) {
      rows.push(await measureOne(server, make, batch));
      await delay(W + 50); // every arrival of this run leaves the window before the next reset
    }
    return rows;
  } finally {
    await server.close();
  }
}

/** The section's markdown table. */
export function lanesTable(rows: readonly LanesRow[]): string {
  return markdownTable(
    [
      'library',
      'batch + interactive',
      '200 / 429',
      'windows over L (server)',
      `max in ${W} ms (server / client starts)`,
      '% of limit (200s)',
      'interactive wait p50 / p99 / max ms',
      `p99 after the first ${W} ms`,
      'request p50 ms',
      'run ms',
    ],
    rows.map((r) => [
      r.name + (r.timedOut ? ` (capped at ${CAP_MS / 1000} s)` : ''),
      `${fmt(r.batch)} + ${fmt(r.interactive)}`,
      `${fmt(r.ok)} / ${fmt(r.limited)}`,
      fmt(r.windowsOver),
      `${fmt(r.maxInWindow)} / ${fmt(r.maxStartsInWindow)}`,
      fmt(r.achievedRatio * 100, 1),
      `${fmt(r.waitP50, 1)} / ${fmt(r.waitP99, 1)} / ${fmt(r.waitMax, 1)}`,
      fmt(r.waitP99Steady, 1),
      fmt(r.requestP50, 2),
      fmt(r.runMs),
    ]),
  );
}

/**
 * Ours (every executor row): interactive p99 ≤ one token interval + request time, 0 windows over,
 * ≥ 95 % of the limit. A reserve is the batch's floor: the batch is admitted only while that share
 * of the window stays free of every lane's admissions, interactive ones included, so a saturating
 * batch holds the window near 1 − reserve whatever the interactive share (0.3: about 70 %).
 */
export function lanesTargets(section: string, rows: readonly LanesRow[]): TargetRow[] {
  const ours = rows.filter((r) => r.name.startsWith('nest-resilience'));
  const others = rows.filter((r) => !r.name.startsWith('nest-resilience'));
  const short = (r: LanesRow) =>
    r.name.split(' (')[0]!.replace(/ 2\.19| 9/, '') +
    (r.name.includes('strict') ? ' strict' : '') +
    (r.name.includes('minTime') ? ' minTime' : r.name.includes('reservoir') ? ' reservoir' : '');
  const label = (r: LanesRow) => r.label ?? r.name;
  const out: TargetRow[] = [];
  for (const r of ours) {
    const bound = W / L + r.requestP50;
    out.push(
      {
        section,
        target: `${label(r)}: interactive wait p99 ≤ one token interval (${W / L} ms) + request time`,
        ours: `p99 ${fmt(r.waitP99, 1)} ms (bound ${fmt(bound, 1)} ms; p50 ${fmt(r.waitP50, 1)}; after the first window p99 ${fmt(r.waitP99Steady, 1)})`,
        comparator: others.map((o) => `${short(o)}: p99 ${fmt(o.waitP99)} ms`).join('; '),
        pass: r.waitP99 <= bound && !r.timedOut,
      },
      {
        section,
        target: `${label(r)}: 0 windows over ${L} per ${W} ms (server counted)`,
        ours: `${fmt(r.windowsOver)} (max ${fmt(r.maxInWindow)}; client starts max ${fmt(r.maxStartsInWindow)})`,
        comparator: others.map((o) => `${short(o)}: ${fmt(o.windowsOver)} (max ${fmt(o.maxInWindow)})`).join('; '),
        pass: r.windowsOver === 0 && !r.timedOut,
      },
      {
        section,
        target: `${label(r)}: ≥ 95 % of the limit (200s after the first window)`,
        ours: `${fmt(r.achievedRatio * 100, 1)} %`,
        comparator: others.map((o) => `${short(o)}: ${fmt(o.achievedRatio * 100, 1)} %`).join('; '),
        pass: r.achievedRatio >= 0.95,
      },
    );
  }
  return out;
}
