// Shared by test/executor-3am.load-spec.ts and its worker (test/executor-3am/worker.ts): what the
// parent sends a worker and what the worker answers over IPC (JSON).
import { fileURLToPath } from 'node:url';

/** The worker script (forked through bench/register.mjs by test/support/replicas.ts). */
export const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Executor options every process uses (the same in all three: one shared limit on Redis). */
export interface SharedExecutorOptions {
  requestsRate: number;
  requestsPeriodMs: number;
  apiTokensRate?: number;
  apiTokensPeriodMs?: number;
  concurrencyLimit: number;
  queueCapacity: number;
  safetyMarginMs: number;
  maxWaitMs: number;
  /** Lanes as `Executor.create` takes them; absent: one default lane. */
  lanes?: Array<{ name: string; reserve?: number; maxShare?: number }>;
}

/** argv[2] of a worker. */
export interface WorkerConfig {
  /** `A`, `B`, `C`: sent as `x-process`, and prefixes the task ids. */
  name: string;
  redisUrl: string;
  keyPrefix: string;
  providerUrl: string;
  executor: SharedExecutorOptions;
}

/** The `run` command: at `startAt` (epoch ms) submit the batch and start the interactive calls. */
export interface RunCommand {
  cmd: 'run';
  startAt: number;
  /** Batch tasks submitted at once in `batchLane` (0: none). */
  batch: number;
  batchLane?: string;
  /** One interactive call every `intervalMs` in `interactiveLane`, `interactive` calls at most… */
  interactive: number;
  intervalMs: number;
  interactiveLane?: string;
  /** …and, when this process runs a batch, none once the batch is done. */
  interactiveWhileBatch: boolean;
  /** The `tokens` estimate of every task (the provider reports `usageFactor ×` it); 0: none. */
  estimate: number;
  /** Bound on the whole run: what is not terminal by then is reported as lost. */
  deadlineMs: number;
}

/** Waits in ms (from submission to `callStartedAt`). */
export interface WaitStats {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** What a worker answers to `run`. */
export interface RunResult {
  name: string;
  submitted: Record<string, number>;
  /** Terminal status counts per lane (`COMPLETED`, `FAILED`, …, and `NOT_TERMINAL`). */
  statuses: Record<string, Record<string, number>>;
  /** HTTP 200 answers the tasks saw, per lane. */
  okByLane: Record<string, number>;
  /** 429s the tasks saw (all lanes). */
  client429: number;
  /** Up to 5 error descriptions of failed events. */
  errors: string[];
  interactiveWaits: WaitStats;
  /**
   * Interactive calls admitted (callStartedAt) after a batch task that was still QUEUED when the
   * interactive call was submitted (must be 0), with up to 5 examples.
   */
  overtaken: number;
  overtakenExamples: string[];
  /** Interactive calls submitted while batch tasks were still QUEUED (the ordering check's scope). */
  interactiveDuringBatch: number;
  /** When the batch finished, ms after `startAt`. */
  batchMs: number;
}

/** Percentiles of `values` (nearest rank). */
export function waitStats(values: number[]): WaitStats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s.length === 0 ? 0 : s[s.length - 1]! };
}
