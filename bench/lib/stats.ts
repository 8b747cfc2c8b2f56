/** Small statistics and timing helpers shared by the benchmarks. */
import { performance } from 'node:perf_hooks';

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Runs a full gc twice when node was started with --expose-gc (no-op otherwise). It also discards
 * V8's optimized code: calls timed right after it run partly unoptimized (see bench/executor.ts),
 * so a section comparing CPU per call must not call it between its warm-up and its timed reps.
 */
export function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Milliseconds since an arbitrary origin (monotonic). */
export const nowMs = (): number => performance.now();

/** Resolves after `ms` real milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nanoseconds per call of `count` sequential awaited calls. */
export async function timeSequential(call: () => Promise<unknown>, count: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call();
  return Number(process.hrtime.bigint() - t0) / count;
}

/**
 * Calls per second with `inFlight` callers each looping `perWorker` awaited calls, so the
 * number of calls in flight stays at `inFlight` for the whole measurement.
 */
export async function timeConcurrent(
  call: () => Promise<unknown>,
  inFlight: number,
  perWorker: number,
): Promise<number> {
  const worker = async (): Promise<void> => {
    for (let i = 0; i < perWorker; i++) await call();
  };
  const workers = new Array<Promise<void>>(inFlight);
  const t0 = process.hrtime.bigint();
  for (let w = 0; w < inFlight; w++) workers[w] = worker();
  await Promise.all(workers);
  const ns = Number(process.hrtime.bigint() - t0);
  return (inFlight * perWorker * 1e9) / ns;
}

/** Formats a number with thousands separators and `digits` decimals. */
export function fmt(x: number | undefined, digits = 0): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
