/**
 * Executor section "scale": per-event heap and per-event cost with 1k / 10k / 100k events queued.
 *
 * An executor with `concurrencyLimit: 1` gets a first task that never resolves until released (it
 * holds the only slot), then N submissions that all queue. Measured: heapUsed delta / N after gc
 * (the caller keeps the N events in an array: 8 B each of that is ours to pay, not the executor's),
 * time per `submit()`, the timers alive after the N submissions (`process.getActiveResourcesInfo()`,
 * timers made through the executor's clock, and every setTimeout/setInterval made during the
 * submissions, unref'd ones too), then time per event to drain the queue once the slot is
 * released (admission + the task's own resolved promise + completion), per block of 1,000
 * admissions across the drain (the first, the next, the median, the dearest: a block a scavenge
 * lands in carries the pause), and how many of the N reached a terminal state.
 *
 *   node --expose-gc --import ./bench/register.mjs bench/executor-scale.ts [--json] [N ...]
 *
 * With `--json` it prints one JSON line of {@link ScaleRow}s (used by test/executor-scale.load-spec.ts,
 * which runs it in a child process for `--expose-gc`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { systemClock, type Clock } from 'nest-resilience/core';
import { Executor } from '../libs/resilience/src/executor/executor.js';
import { isTerminalStatus } from '../libs/resilience/src/executor/request-status.js';
import { delay, fmt, fullGc, median } from './lib/stats.js';
import { markdownTable, type TargetRow } from './lib/report.js';

/** One measured queue depth. */
export interface ScaleRow {
  queued: number;
  /** heapUsed delta after gc / N, with N events queued (the events array of the caller included). */
  bytesPerEvent: number;
  /** ns per `submit()` while the queue grows from 0 to N (median of the reps). */
  submitNs: number;
  /** ns per `submit()` of the next {@link PROBE} events with N queued (enqueue cost at depth N). */
  probeSubmitNs: number;
  /** ns per event for the first {@link PROBE} admissions (slot released, N + PROBE queued). */
  probeAdmitNs: number;
  /** ns per event for admissions PROBE + 1 … 2 × PROBE (still about N queued, after the first block). */
  secondAdmitNs: number;
  /** Median over the drain's blocks of {@link PROBE} admissions, ns per event (the steady state). */
  medianBlockNs: number;
  /** The dearest block of the drain, ns per event, and its index (0: the first {@link PROBE}). */
  maxBlockNs: number;
  maxBlockIndex: number;
  /** Blocks of the drain dearer than 3 × the median block (the ones a gc pause lands in; median of the reps), of `blocks`. */
  slowBlocks: number;
  blocks: number;
  /** ns per event to drain all N + PROBE queued events once the slot is released (median of the reps). */
  drainNs: number;
  /** Ref'd timers added by the N submissions (`process.getActiveResourcesInfo()`). */
  activeTimersAdded: number;
  /** Timers made by the N submissions and not cleared, unref'd ones included (global setTimeout/setInterval). */
  timersCreated: number;
  /** Timers pending on the executor's clock with N queued. */
  clockTimersPending: number;
  /** Events of the N in a terminal state after the drain (must be N). */
  terminal: number;
  reps: number;
  gc: boolean;
}

/** A clock that delegates to `inner` and counts its pending timers. */
export class CountingClock implements Clock {
  pending = 0;
  made = 0;
  readonly #live = new Set<unknown>();
  constructor(private readonly inner: Clock = systemClock) {}
  now(): number {
    return this.inner.now();
  }
  setTimeout(fn: () => void, ms: number): unknown {
    this.made++;
    const box: { h?: unknown } = {};
    box.h = this.inner.setTimeout(() => {
      if (this.#live.delete(box.h)) this.pending--;
      fn();
    }, ms);
    this.#live.add(box.h);
    this.pending++;
    return box.h;
  }
  clearTimeout(handle: unknown): void {
    if (this.#live.delete(handle)) this.pending--;
    this.inner.clearTimeout(handle);
  }
}

/** Ref'd timers alive in this process. */
export const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Runs the synchronous `body`, counting the timers it creates through the globals and does not clear. */
function countTimers<T>(body: () => T): { value: T; live: number } {
  const g = globalThis as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = {
    setTimeout: g.setTimeout!,
    setInterval: g.setInterval!,
    clearTimeout: g.clearTimeout!,
    clearInterval: g.clearInterval!,
  };
  const live = new Set<unknown>();
  const track =
    (make: (...a: unknown[]) => unknown) =>
    (...a: unknown[]) => {
      const t = make(...a);
      live.add(t);
      return t;
    };
  const untrack =
    (clear: (...a: unknown[]) => unknown) =>
    (t: unknown): unknown => {
      live.delete(t);
      return clear(t);
    };
  g.setTimeout = track(saved.setTimeout);
  g.setInterval = track(saved.setInterval);
  g.clearTimeout = untrack(saved.clearTimeout);
  g.clearInterval = untrack(saved.clearInterval);
  try {
    return { value: body(), live: live.size };
  } finally {
    Object.assign(g, saved);
  }
}

async function settledHeap(): Promise<number> {
  // Three rounds: objects freed by finalization callbacks after one gc are collected by the next.
  for (let i = 0; i < 3; i++) {
    await delay(5);
    fullGc();
  }
  return process.memoryUsage().heapUsed;
}

/** Events of the probes: submitted with N already queued; the first admitted once released. */
export const PROBE = 1000;
let ran = 0;
/** The time of every PROBE-th start of the drain (index k: the (k + 1) × PROBE-th start), hrtime ns. */
let blockEnds: bigint[] = [];
/** The same task for every event (no closure per event: the cost measured is the executor's); stamps every PROBE-th start. */
const task = (): Promise<number> => {
  if (++ran % PROBE === 0) blockEnds.push(process.hrtime.bigint());
  return Promise.resolve(1);
};

/** ns per admission of each block of PROBE starts of the drain, from the release at `t0`. */
function blockCosts(t0: bigint): number[] {
  return blockEnds.map((t, k) => Number(t - (k === 0 ? t0 : blockEnds[k - 1]!)) / PROBE);
}

let seq = 0;

/** Waits (bounded) until `cond()` holds, one macrotask at a time. */
async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  if (!cond()) throw new Error('executor-scale: the blocking task never started');
}

interface OneRun {
  bytes: number;
  submitNs: number;
  probeSubmitNs: number;
  probeAdmitNs: number;
  secondAdmitNs: number;
  medianBlockNs: number;
  maxBlockNs: number;
  maxBlockIndex: number;
  slowBlocks: number;
  blocks: number;
  drainNs: number;
  activeTimersAdded: number;
  timersCreated: number;
  clockTimersPending: number;
  terminal: number;
}

async function runOnce(n: number): Promise<OneRun> {
  const clock = new CountingClock();
  const ex = Executor.create(
    `scale-${++seq}`,
    { concurrencyLimit: 1, queueCapacity: n + PROBE + 1, requestsRate: 1e9 },
    { clock },
  );
  let release!: () => void;
  const hold = new Promise<number>((r) => (release = () => r(0)));
  const blocker = ex.submit(() => hold);
  await settle(() => ex.snapshot().inFlight === 1);
  const list = new Array<ReturnType<typeof ex.submit>>(n + PROBE);
  const timers0 = activeTimers();
  const h0 = await settledHeap();
  const { value: submitNs, live } = countTimers(() => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) list[i] = ex.submit(task);
    return Number(process.hrtime.bigint() - t0) / n;
  });
  const h1 = await settledHeap();
  const activeTimersAdded = activeTimers() - timers0;
  const clockTimersPending = clock.pending;
  // Enqueue cost at depth n: the next PROBE submissions.
  fullGc();
  const p0 = process.hrtime.bigint();
  for (let i = n; i < n + PROBE; i++) list[i] = ex.submit(task);
  const probeSubmitNs = Number(process.hrtime.bigint() - p0) / PROBE;
  // Concurrency 1: the events run in order; every PROBE-th start ends a block (the first: the admission probe), the last event the drain.
  const last = list[n + PROBE - 1]!.result();
  fullGc();
  ran = 0;
  blockEnds = [];
  const t1 = process.hrtime.bigint();
  release();
  await last;
  const t2 = process.hrtime.bigint();
  const blocks = blockCosts(t1);
  const maxBlockNs = Math.max(...blocks);
  const drainNs = Number(t2 - t1) / (n + PROBE);
  await blocker.result();
  let terminal = 0;
  for (let i = 0; i < n; i++) if (isTerminalStatus(list[i]!.status)) terminal++;
  await ex.stop();
  return {
    bytes: (h1 - h0) / n,
    submitNs,
    probeSubmitNs,
    probeAdmitNs: blocks[0]!,
    secondAdmitNs: blocks[1]!,
    medianBlockNs: median(blocks),
    maxBlockNs,
    maxBlockIndex: blocks.indexOf(maxBlockNs),
    slowBlocks: blocks.filter((b) => b > 3 * median(blocks)).length,
    blocks: blocks.length,
    drainNs,
    activeTimersAdded,
    timersCreated: live,
    clockTimersPending,
    terminal,
  };
}

/** Measures one queue depth `reps` times (medians; timers and terminal counts: the worst rep). */
export async function measureScale(n: number, reps: number): Promise<ScaleRow> {
  const runs: OneRun[] = [];
  for (let r = 0; r < reps; r++) runs.push(await runOnce(n));
  return {
    queued: n,
    bytesPerEvent: median(runs.map((r) => r.bytes)),
    submitNs: median(runs.map((r) => r.submitNs)),
    probeSubmitNs: median(runs.map((r) => r.probeSubmitNs)),
    probeAdmitNs: median(runs.map((r) => r.probeAdmitNs)),
    secondAdmitNs: median(runs.map((r) => r.secondAdmitNs)),
    medianBlockNs: median(runs.map((r) => r.medianBlockNs)),
    maxBlockNs: median(runs.map((r) => r.maxBlockNs)),
    maxBlockIndex: median(runs.map((r) => r.maxBlockIndex)),
    slowBlocks: median(runs.map((r) => r.slowBlocks)),
    blocks: runs[0]!.blocks,
    drainNs: median(runs.map((r) => r.drainNs)),
    activeTimersAdded: Math.max(...runs.map((r) => r.activeTimersAdded)),
    timersCreated: Math.max(...runs.map((r) => r.timersCreated)),
    clockTimersPending: Math.max(...runs.map((r) => r.clockTimersPending)),
    terminal: Math.min(...runs.map((r) => r.terminal)),
    reps,
    gc: (globalThis as { gc?: unknown }).gc !== undefined,
  };
}

/** Reps per depth: more for the small ones (their per-event figures are noisier), bounded. */
export const scaleReps = (n: number, quick: boolean): number => (quick ? 1 : n <= 1000 ? 7 : n <= 10_000 ? 5 : 3);

/** Every depth of the section, after a warm-up run (JIT) of 10k. */
export async function scaleSection(depths: readonly number[], quick: boolean): Promise<ScaleRow[]> {
  await runOnce(10_000);
  const rows: ScaleRow[] = [];
  for (const n of depths) rows.push(await measureScale(n, scaleReps(n, quick)));
  return rows;
}

/**
 * Every depth in a fresh child process (`--expose-gc`, this file with `--json`): the heap delta of
 * one depth is not blurred by what earlier sections or depths left for the collector.
 */
export async function scaleInChildren(depths: readonly number[], quick: boolean): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  for (const n of depths) {
    const argv = ['--expose-gc', '--import', './bench/register.mjs', 'bench/executor-scale.ts', '--json', String(n)];
    if (quick) argv.push('--quick');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, argv, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`executor-scale child for ${n} exited ${code}`)),
      );
    });
    rows.push(...(JSON.parse(out.trim().split('\n').pop()!) as ScaleRow[]));
  }
  return rows;
}

/** The section's markdown table. */
export function scaleTable(rows: readonly ScaleRow[]): string {
  return markdownTable(
    [
      'queued',
      'bytes / queued event',
      'ns / submit, 0 → N',
      `ns / submit at N (next ${fmt(PROBE)})`,
      `ns / admission at N (first ${fmt(PROBE)})`,
      `ns / admission, next ${fmt(PROBE)}`,
      `ns / admission, median ${fmt(PROBE)}-block`,
      'dearest block (index)',
      'blocks > 3 × median',
      'ns / event, whole drain',
      'active timers added',
      'timers created (incl. unref’d)',
      'timers on the clock',
      'terminal after drain',
      'reps',
    ],
    rows.map((r) => [
      fmt(r.queued),
      fmt(r.bytesPerEvent),
      fmt(r.submitNs),
      fmt(r.probeSubmitNs),
      fmt(r.probeAdmitNs),
      fmt(r.secondAdmitNs),
      fmt(r.medianBlockNs),
      `${fmt(r.maxBlockNs)} (${fmt(r.maxBlockIndex)})`,
      `${fmt(r.slowBlocks)} / ${fmt(r.blocks)}`,
      fmt(r.drainNs),
      fmt(r.activeTimersAdded),
      fmt(r.timersCreated),
      fmt(r.clockTimersPending),
      `${fmt(r.terminal)} / ${fmt(r.queued)}`,
      fmt(r.reps),
    ]),
  );
}

/** ≤ 1 KB per queued event, enqueue and admission cost flat from the smallest to the largest depth (≤ 1.5×), no timer per event. */
export function scaleTargets(section: string, rows: readonly ScaleRow[]): TargetRow[] {
  const small = rows[0]!;
  const big = rows[rows.length - 1]!;
  const timers = Math.max(...rows.map((r) => r.activeTimersAdded + r.timersCreated + r.clockTimersPending));
  return [
    {
      section,
      target: `heap per queued event ≤ 1 KB at ${fmt(big.queued)}`,
      ours: `${fmt(big.bytesPerEvent)} B${big.gc ? '' : ' (no --expose-gc: not measured)'}`,
      comparator: '–',
      pass: big.gc && big.bytesPerEvent > 0 && big.bytesPerEvent <= 1024,
    },
    {
      section,
      target: `enqueue cost at depth flat ${fmt(small.queued)} → ${fmt(big.queued)} queued (≤ 1.5×; next ${fmt(PROBE)} submissions)`,
      ours: `${fmt(small.probeSubmitNs)} → ${fmt(big.probeSubmitNs)} ns (${fmt(big.probeSubmitNs / small.probeSubmitNs, 2)}×; whole fill ${fmt(big.submitNs / small.submitNs, 2)}×)`,
      comparator: '–',
      pass: big.probeSubmitNs <= 1.5 * small.probeSubmitNs,
    },
    {
      // A block of PROBE admissions that a scavenge lands in costs the pause too (tens of ms with 100k events
      // alive): the steady state is the median block; the first block and the dearest one are shown as measured.
      section,
      target: `admission cost flat ${fmt(small.queued)} → ${fmt(big.queued)} queued (≤ 1.5×; median ${fmt(PROBE)}-admission block of the drain)`,
      ours: `${fmt(small.medianBlockNs)} → ${fmt(big.medianBlockNs)} ns (${fmt(big.medianBlockNs / small.medianBlockNs, 2)}×); first ${fmt(PROBE)} ${fmt(small.probeAdmitNs)} → ${fmt(big.probeAdmitNs)} ns (${fmt(big.probeAdmitNs / small.probeAdmitNs, 2)}×), next ${fmt(PROBE)} ${fmt(big.secondAdmitNs / small.secondAdmitNs, 2)}×, dearest block ${fmt(big.maxBlockNs)} ns at ${fmt(big.queued)}; whole drain ${fmt(big.drainNs / small.drainNs, 2)}×`,
      comparator: '–',
      pass: big.medianBlockNs <= 1.5 * small.medianBlockNs && big.drainNs <= 1.5 * small.drainNs,
    },
    {
      section,
      target: 'no timer per event; every event terminal',
      ours: `${fmt(timers)} timers at most with ${fmt(big.queued)} queued; ${rows.every((r) => r.terminal === r.queued) ? 'all terminal' : 'some NOT terminal'}`,
      comparator: '–',
      pass: timers <= 3 && rows.every((r) => r.terminal === r.queued),
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const depths = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const rows = await scaleSection(depths.length > 0 ? depths : [1000, 10_000, 100_000], argv.includes('--quick'));
  console.log(argv.includes('--json') ? JSON.stringify(rows) : rows);
}
