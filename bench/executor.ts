/**
 * Executor section "overhead": the same `ApiClient` GET to the same local server, 100 callers
 * looping (100 calls in flight), raw (`client.get`) and through an `Executor`
 * (`executor.execute((ctx) => client.get(path, { signal: ctx.signal }))`, `concurrencyLimit: 100`,
 * and `requestsRate` far above the load, so nothing queues or waits: what is measured is the
 * executor's own work per call — event, lifecycle, slot, signal, one limiter admission). A second
 * executor adds an API-token limit that never binds: each call reserves 100 tokens and its
 * `usage` option reports 120 (reservation and reconciliation, an excess charged, on every call). The server runs in a child process (a
 * provider on a core of its own, like test/ load specs), answers 200 at once and is reset
 * between reps.
 *
 * Method: each variant is warmed up with 100 calls per caller (10,000 calls); each rep is made
 * of rounds of 1,000 calls per variant in turn (order alternating), so that a neighbour's burst
 * on the shared VM lands on every variant of the rep alike. No forced GC between reps:
 * `global.gc()` discards V8's optimized code, and the calls right after it run unoptimized until
 * the JIT has re-compiled them (measured: an executor call costs several times its steady-state
 * CPU for the next ~10,000 calls), which charges the variant with more JavaScript for a warm-up
 * a running server never pays. Reported: calls/s and this process's CPU time (user + system)
 * per call, each as the median over reps of variant ÷ raw in the same rep. The verdict uses the
 * CPU ratio: the server is another process, and on a shared VM wall time mostly measures the
 * neighbours.
 */
import { ApiClient } from 'nest-resilience/http';
import { Executor } from '../libs/resilience/src/executor/executor.js';
import {
  startSlidingWindowServer,
  type SlidingWindowServer,
} from '../libs/resilience/src/core/testing-support/sliding-window-server.js';
import { fmt, median, timeConcurrent } from './lib/stats.js';
import { markdownTable, type TargetRow } from './lib/report.js';

/** The token variant's submission: reserve 100, the result's usage is 120 (an excess charged on every call). */
const TOKEN_OPTIONS = { tokens: 100, usage: () => 120 };

/** Calls in flight (callers looping on awaited calls). */
export const OVERHEAD_IN_FLIGHT = 100;

interface OverheadVariant {
  name: string;
  /** Index of the raw variant it is compared with (the same call, without the executor). */
  base: number;
  call: () => Promise<unknown>;
}

/** One row of the table. */
export interface OverheadRow {
  name: string;
  /** Index of the row it is compared with. */
  base: number;
  /** Calls per second, median of the reps. */
  perSec: number;
  /** µs per call at 100 in flight (1e6 / perSec × inFlight is latency; this is 1e6 / perSec: the client's cost per call). */
  usPerCall: number;
  /** Median over reps of (this variant's time per call ÷ raw time per call) in the same rep. */
  ratio: number;
  minRatio: number;
  maxRatio: number;
  /** CPU time of this process (user + system) per call, µs: the server is another process. */
  cpuUs: number;
  /** Median over reps of (this variant's CPU per call ÷ raw CPU per call) in the same rep. */
  cpuRatio: number;
  minCpuRatio: number;
  maxCpuRatio: number;
}

/**
 * Runs the section: a warm-up of `warmPerWorker` calls per caller for each variant, then `reps`
 * reps of `rounds` rounds, each round running every variant for `perRound` calls per caller
 * (order alternating), 100 callers.
 */
export async function measureExecutorOverhead(
  reps: number,
  rounds: number,
  perRound: number,
  warmPerWorker: number,
): Promise<OverheadRow[]> {
  const server: SlidingWindowServer = await startSlidingWindowServer(1e9, 1000);
  const client = new ApiClient({ name: 'bench-exec', baseUrl: `http://127.0.0.1:${server.port}`, timeoutMs: 10_000 });
  // Limits far above the load: the limiter admits every call (its cost is included, never a wait).
  const plain = Executor.create('bench-overhead', {
    concurrencyLimit: OVERHEAD_IN_FLIGHT,
    queueCapacity: 1000,
    requestsRate: 1e9,
  });
  const tokens = Executor.create('bench-overhead-tokens', {
    concurrencyLimit: OVERHEAD_IN_FLIGHT,
    queueCapacity: 1000,
    requestsRate: 1e9,
    apiTokensRate: 1e12,
  });
  const variants: OverheadVariant[] = [
    { name: 'raw `ApiClient.get`', base: 0, call: () => client.get('/') },
    {
      name: 'raw `ApiClient.get` with a signal (an AbortController per call)',
      base: 1,
      call: () => client.get('/', { signal: new AbortController().signal }),
    },
    {
      name: 'Executor.execute (concurrencyLimit 100, requestsRate never binding), task ignores ctx.signal',
      base: 0,
      call: () => plain.execute(() => client.get('/')),
    },
    {
      name: 'Executor.execute, task passes ctx.signal to ApiClient.get',
      base: 1,
      call: () => plain.execute((ctx) => client.get('/', { signal: ctx.signal })),
    },
    {
      name: 'Executor.execute + apiTokensRate (reserve 100 tokens, `usage` reports 120), passes ctx.signal',
      base: 1,
      call: () => tokens.execute((ctx) => client.get('/', { signal: ctx.signal }), TOKEN_OPTIONS),
    },
  ];
  try {
    // Warm-up: opens the 100 keep-alive sockets and lets the JIT optimize every path.
    for (const v of variants) await timeConcurrent(v.call, OVERHEAD_IN_FLIGHT, warmPerWorker);
    const rates = variants.map(() => [] as number[]);
    const ratios = variants.map(() => [] as number[]);
    const cpus = variants.map(() => [] as number[]);
    const cpuRatios = variants.map(() => [] as number[]);
    const calls = OVERHEAD_IN_FLIGHT * perRound * rounds;
    for (let r = 0; r < reps; r++) {
      await server.reset();
      const wall: number[] = variants.map(() => 0);
      const cpu: number[] = variants.map(() => 0);
      // Rounds of `perRound` calls per caller, every variant once per round (order alternating):
      // a neighbour's burst on the shared machine then lands on all variants of the rep alike.
      for (let b = 0; b < rounds; b++) {
        const order = variants.map((_, i) => i);
        if ((r + b) % 2 === 1) order.reverse();
        for (const i of order) {
          const c0 = process.cpuUsage();
          const perSec = await timeConcurrent(variants[i]!.call, OVERHEAD_IN_FLIGHT, perRound);
          const c = process.cpuUsage(c0);
          wall[i]! += (OVERHEAD_IN_FLIGHT * perRound) / perSec;
          cpu[i]! += c.user + c.system;
        }
      }
      for (let i = 0; i < variants.length; i++) {
        const base = variants[i]!.base;
        rates[i]!.push(calls / wall[i]!);
        ratios[i]!.push(wall[i]! / wall[base]!);
        cpus[i]!.push(cpu[i]! / calls);
        cpuRatios[i]!.push(cpu[i]! / cpu[base]!);
      }
    }
    return variants.map((v, i) => {
      const perSec = median(rates[i]!);
      return {
        name: v.name,
        base: v.base,
        perSec,
        usPerCall: 1e6 / perSec,
        ratio: median(ratios[i]!),
        minRatio: Math.min(...ratios[i]!),
        maxRatio: Math.max(...ratios[i]!),
        cpuUs: median(cpus[i]!),
        cpuRatio: median(cpuRatios[i]!),
        minCpuRatio: Math.min(...cpuRatios[i]!),
        maxCpuRatio: Math.max(...cpuRatios[i]!),
      };
    });
  } finally {
    await plain.stop();
    await tokens.stop();
    await client.close();
    await server.close();
  }
}

/** The section's markdown table. */
export function overheadTable(rows: readonly OverheadRow[]): string {
  return markdownTable(
    [
      'variant',
      'compared with',
      'calls/s (median)',
      '× raw time (paired median, min–max)',
      'client CPU µs / call',
      '× raw CPU (paired median, min–max)',
    ],
    rows.map((r, i) => [
      r.name,
      r.base === i ? '–' : `row ${r.base + 1}`,
      fmt(r.perSec),
      `${fmt(r.ratio, 3)} (${fmt(r.minRatio, 3)}–${fmt(r.maxRatio, 3)})`,
      fmt(r.cpuUs, 1),
      `${fmt(r.cpuRatio, 3)} (${fmt(r.minCpuRatio, 3)}–${fmt(r.maxCpuRatio, 3)})`,
    ]),
  );
}

/**
 * Target rows: executor overhead ≤ 5 % over the raw client at 100 in flight, judged on the
 * client process's CPU per call (wall time is reported too; on a shared 2-core VM it mostly
 * measures the neighbours).
 */
export function overheadTargets(section: string, rows: readonly OverheadRow[]): TargetRow[] {
  return rows.flatMap((r, i) => {
    if (r.base === i) return [];
    const raw = rows[r.base]!;
    return [
      {
        section,
        target: `${r.name}: ≤ 5 % over ${raw.name}, ${OVERHEAD_IN_FLIGHT} in flight (client CPU per call)`,
        ours: `+${fmt((r.cpuRatio - 1) * 100, 1)} % CPU (${fmt(r.cpuUs, 1)} µs); wall time +${fmt((r.ratio - 1) * 100, 1)} %`,
        comparator: `${fmt(raw.cpuUs, 1)} µs CPU, ${fmt(raw.perSec)} calls/s`,
        pass: r.cpuRatio <= 1.05,
      },
    ];
  });
}
