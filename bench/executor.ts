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
 * Method (bench/lib/interleave.ts): each variant is warmed up with 100 calls per caller (10,000
 * calls); each rep is made of rounds of 1,000 calls per variant in turn (order alternating); no
 * forced GC (it discards V8's optimized code). Reported: calls/s and this process's CPU time (user + system)
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
import { interleaved, overheadRows, type OverheadRow } from './lib/interleave.js';
import { fmt } from './lib/stats.js';
import type { Variant } from './lib/variant.js';
import { markdownTable, type TargetRow } from './lib/report.js';

/** The token variant's submission: reserve 100, the result's usage is 120 (an excess charged on every call). */
const TOKEN_OPTIONS = { tokens: 100, usage: () => 120 };

export type { OverheadRow };

/** Calls in flight (callers looping on awaited calls). */
export const OVERHEAD_IN_FLIGHT = 100;

interface OverheadVariant extends Variant {
  /** Index of the raw variant it is compared with (the same call, without the executor). */
  base: number;
}

/**
 * Runs the section: a warm-up of `warmPerWorker` calls per caller for each variant, then `reps`
 * reps of `perWorker` calls per caller and variant in interleaved rounds (bench/lib/interleave.ts),
 * 100 callers.
 */
export async function measureExecutorOverhead(
  reps: number,
  perWorker: number,
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
    const samples = await interleaved(variants, {
      reps,
      inFlight: OVERHEAD_IN_FLIGHT,
      perWorker,
      warmPerWorker,
      reset: server.reset,
    });
    return overheadRows(variants, samples);
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
