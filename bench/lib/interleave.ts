/**
 * The method of the "overhead over a raw call" sections (6, 9, 10c): CPU per call of variants
 * compared in one process, as paired ratios per rep.
 *
 * - Warm-up: `warmPerWorker` calls per caller of each variant (sockets, the JIT, lazy loads).
 * - Each rep is made of rounds of `perRound` calls per caller, every variant once per round in
 *   alternating order, so that a neighbour's burst on the shared VM lands on every variant of
 *   the rep alike; `reset` (the server's) runs before each rep.
 * - No forced GC between the warm-up and the reps: `global.gc()` discards V8's optimized code,
 *   and the calls right after it run unoptimized until the JIT has re-compiled them (measured on
 *   the executor: several times its steady-state CPU per call for the next ~10,000 calls), which
 *   charges the variant with more JavaScript for a warm-up a running server never pays.
 */
import { median, timeConcurrent } from './stats.js';
import type { Variant } from './variant.js';

/** Per-rep samples of one variant: calls/s and this process's CPU µs per call. */
export type RepSamples = { perSec: number[]; cpuUs: number[] };

export interface InterleaveOptions {
  reps: number;
  /** Callers looping on awaited calls. */
  inFlight: number;
  /** Calls per caller and variant in each rep (split into rounds of `perRound`). */
  perWorker: number;
  warmPerWorker: number;
  /** Calls per caller of one variant in one round (default 10). */
  perRound?: number;
  /** Runs before each rep (e.g. forgets what the server recorded). */
  reset?: () => Promise<void>;
}

/** Runs the warm-up and the reps (see the module comment); one `RepSamples` per variant. */
export async function interleaved(variants: readonly Variant[], o: InterleaveOptions): Promise<RepSamples[]> {
  for (const v of variants) await timeConcurrent(v.call, o.inFlight, o.warmPerWorker);
  const perRound = Math.min(o.perRound ?? 10, o.perWorker);
  const rounds = Math.max(1, Math.round(o.perWorker / perRound));
  const calls = o.inFlight * perRound * rounds;
  const out = variants.map((): RepSamples => ({ perSec: [], cpuUs: [] }));
  for (let r = 0; r < o.reps; r++) {
    await o.reset?.();
    const wallS = variants.map(() => 0);
    const cpuUs = variants.map(() => 0);
    for (let b = 0; b < rounds; b++) {
      const order = variants.map((_, i) => i);
      if ((r + b) % 2 === 1) order.reverse();
      for (const i of order) {
        const c0 = process.cpuUsage();
        const perSec = await timeConcurrent(variants[i]!.call, o.inFlight, perRound);
        const c = process.cpuUsage(c0);
        wallS[i]! += (o.inFlight * perRound) / perSec;
        cpuUs[i]! += c.user + c.system;
      }
    }
    for (let i = 0; i < variants.length; i++) {
      out[i]!.perSec.push(calls / wallS[i]!);
      out[i]!.cpuUs.push(cpuUs[i]! / calls);
    }
  }
  return out;
}

/** One row of an overhead table: a variant against the row it is compared with. */
export interface OverheadRow {
  name: string;
  /** Index of the row it is compared with. */
  base: number;
  /** Calls per second, median of the reps. */
  perSec: number;
  /** 1e6 / perSec: the client's time per call at the section's concurrency. */
  usPerCall: number;
  /** Median over reps of (this variant's time per call ÷ the base's) in the same rep. */
  ratio: number;
  minRatio: number;
  maxRatio: number;
  /** CPU time of this process (user + system) per call, µs: the server is another process. */
  cpuUs: number;
  /** Median over reps of (this variant's CPU per call ÷ the base's) in the same rep. */
  cpuRatio: number;
  minCpuRatio: number;
  maxCpuRatio: number;
}

/** The samples as rows (paired ratios against each variant's `base`). */
export function overheadRows(
  variants: readonly (Variant & { base: number })[],
  s: readonly RepSamples[],
): OverheadRow[] {
  return variants.map((v, i) => {
    const own = s[i]!;
    const base = s[v.base]!;
    const ratios = own.perSec.map((p, r) => base.perSec[r]! / p);
    const cpuRatios = own.cpuUs.map((c, r) => c / base.cpuUs[r]!);
    const perSec = median(own.perSec);
    return {
      name: v.name,
      base: v.base,
      perSec,
      usPerCall: 1e6 / perSec,
      ratio: median(ratios),
      minRatio: Math.min(...ratios),
      maxRatio: Math.max(...ratios),
      cpuUs: median(own.cpuUs),
      cpuRatio: median(cpuRatios),
      minCpuRatio: Math.min(...cpuRatios),
      maxCpuRatio: Math.max(...cpuRatios),
    };
  });
}
