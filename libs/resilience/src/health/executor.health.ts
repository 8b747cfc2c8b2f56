import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ResilienceConfigError } from '../core/errors/index.js';
import { checkNumber } from '../core/options/validate.js';
import { EXECUTOR_SOURCE, type ExecutorSource } from '../executor/executor-source.js';
import type { ExecutorSnapshot } from '../executor/executor.options.js';
import { checkCriticalNames, indicatorResult } from './indicator-result.js';

/** A bound for every executor: one number, or one per lane name (lanes not listed: no bound). @publicApi */
export type ExecutorHealthBound = number | Readonly<Record<string, number>>;

/** Options of {@link ExecutorHealthIndicator.isHealthy}. @publicApi */
export interface ExecutorHealthOptions {
  /** The executors reported and checked (names must be registered). Default: every one. */
  executors?: readonly string[];
  /**
   * Down when the oldest queued event of a lane has waited longer than this, ms: one number for
   * every lane, or per lane name (e.g. `{ interactive: 2_000 }`). Default: no bound.
   */
  maxOldestWaitMs?: ExecutorHealthBound;
  /**
   * Down when more events are queued than this: one number for the whole executor, or per lane
   * name (e.g. `{ interactive: 50 }`). Default: no bound.
   */
  maxQueued?: ExecutorHealthBound;
}

/** One executor as the health check reports it (this process). @publicApi */
export interface ExecutorHealth {
  /** False once the executor was stopped (it refuses submissions): the check is down. */
  running: boolean;
  /** Events holding a slot now, beside `concurrencyLimit`. */
  inFlight: number;
  concurrencyLimit: number;
  /** Events queued now (all lanes), beside `queueCapacity`. */
  queued: number;
  queueCapacity: number;
  /** Events queued now, per lane. */
  queuedByLane: Record<string, number>;
  /** Age of the oldest queued event per lane, ms (0 when none waits). */
  oldestWaitMs: Record<string, number>;
  /** Why this executor makes the check down (`stopped`, `queued > 100`, `batch oldest wait 61000 ms > 30000`); empty when healthy. */
  problems: string[];
}

/**
 * What {@link ExecutorHealthIndicator.isHealthy} reports under its key (besides Terminus'
 * `status`). The check is `down` exactly when `unhealthy` is not empty.
 * @publicApi
 */
// A type alias, not an interface: Terminus' `up(data)` wants an object with an index signature.
export type ExecutorsHealth = {
  /** The reported executors with a problem. */
  unhealthy: string[];
  /** Every reported executor by name. */
  executors: Record<string, ExecutorHealth>;
};

/**
 * Terminus indicator reporting the executors of `ResilienceExecutorModule` ({@link ExecutorsHealth}):
 * in flight beside the concurrency limit, queue depth and oldest wait per lane. `down` when an
 * executor is stopped or crosses `maxQueued` / `maxOldestWaitMs`. Reports nothing (`up`) when
 * the application has no executor module. Numbers only: no task, metadata or header is shown.
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.executors.isHealthy('executors', { maxOldestWaitMs: { interactive: 2_000 } })]); }
 * ```
 * @publicApi
 */
@Injectable()
export class ExecutorHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Optional() @Inject(EXECUTOR_SOURCE) private readonly source?: ExecutorSource,
  ) {}

  isHealthy<const Key extends string = 'executors'>(
    key?: Key,
    options: ExecutorHealthOptions = {},
  ): HealthIndicatorResult<Key> {
    const all = (this.source?.list() ?? []).map((e) => e.snapshot());
    const snapshots = selected(all, options.executors);
    const maxWait = bound('maxOldestWaitMs', options.maxOldestWaitMs, snapshots);
    const maxQueued = bound('maxQueued', options.maxQueued, snapshots);
    const data: ExecutorsHealth = { unhealthy: [], executors: {} };
    for (const s of snapshots) {
      const problems = problemsOf(s, maxWait, maxQueued);
      data.executors[s.name] = {
        running: s.running,
        inFlight: s.inFlight,
        concurrencyLimit: s.concurrencyLimit,
        queued: s.queued,
        queueCapacity: s.queueCapacity,
        queuedByLane: { ...s.queuedByLane },
        oldestWaitMs: { ...s.oldestWaitMs },
        problems,
      };
      if (problems.length > 0) data.unhealthy.push(s.name);
    }
    return indicatorResult(this.indicators, (key ?? 'executors') as Key, data.unhealthy.length > 0, data);
  }
}

function selected(all: ExecutorSnapshot[], names: readonly string[] | undefined): ExecutorSnapshot[] {
  if (names === undefined) return all;
  if (!Array.isArray(names)) throw new ResilienceConfigError('health executors', names, 'an array of executor names');
  const byName = new Map(all.map((s) => [s.name, s]));
  checkCriticalNames(names, new Set(byName.keys()), 'executor');
  return [...new Set(names)].map((n) => byName.get(n)!);
}

/** A checked bound: a number, or per lane (every lane name must be a lane of a reported executor). */
function bound(
  option: string,
  value: ExecutorHealthBound | undefined,
  snapshots: ExecutorSnapshot[],
): ExecutorHealthBound | undefined {
  const path = `health ${option}`;
  if (value === undefined || typeof value === 'number') {
    if (value !== undefined) checkNumber(path, value, { min: 0, allowInfinity: true });
    return value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, 'a number or an object of numbers by lane name');
  const lanes = new Set(snapshots.flatMap((s) => Object.keys(s.queuedByLane)));
  for (const [lane, n] of Object.entries(value)) {
    if (!lanes.has(lane))
      throw new ResilienceConfigError(`${path}.${lane}`, lane, `the name of a lane: ${[...lanes].join(', ')}`);
    checkNumber(`${path}.${lane}`, n, { min: 0, allowInfinity: true });
  }
  return value;
}

function problemsOf(
  s: ExecutorSnapshot,
  maxWait: ExecutorHealthBound | undefined,
  maxQueued: ExecutorHealthBound | undefined,
): string[] {
  const problems: string[] = [];
  if (!s.running) problems.push('stopped');
  if (typeof maxQueued === 'number' && s.queued > maxQueued) problems.push(`queued ${s.queued} > ${maxQueued}`);
  for (const lane of Object.keys(s.queuedByLane)) {
    const queued = s.queuedByLane[lane] ?? 0;
    const q = typeof maxQueued === 'object' ? maxQueued[lane] : undefined;
    if (q !== undefined && queued > q) problems.push(`${lane} queued ${queued} > ${q}`);
    const wait = s.oldestWaitMs[lane] ?? 0;
    const w = typeof maxWait === 'number' ? maxWait : maxWait?.[lane];
    if (w !== undefined && wait > w) problems.push(`${lane} oldest wait ${wait} ms > ${w}`);
  }
  return problems;
}
