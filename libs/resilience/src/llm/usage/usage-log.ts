import { setBackgroundTimeout, systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { checkPolicyDeps } from '../../core/options/validate.js';
import type { CostLogger } from '../cost/price.types.js';
import { FileUsageSink } from './file-usage-sink.js';
import { addDays, dayOf, dayOfTime, toDay } from './usage-day.js';
import { listUsageFiles, listUsageFilesSync, readUsageFile, readUsageFileSync } from './usage-file-reader.js';
import {
  normalizeUsageLogOptions,
  type NormalizedUsageLogOptions,
  type UsageLogOptions,
} from './usage-log.normalize.js';
import { sanitizeRecord } from './usage-record.js';
import { SinkQueue, type UsageCounts } from './usage-sink-queue.js';
import { UsageAggregate } from './usage-summary.js';
import type { UsageRecord, UsageSummary } from './usage.types.js';

export type { UsageLogOptions } from './usage-log.normalize.js';

/**
 * Counters of a {@link UsageLog}. `recorded`: records accepted by `record()`. The others count
 * deliveries to sinks (a record goes to every sink, so with two sinks it counts twice):
 * `written` (the sink accepted the batch), `failed` (the sink threw or rejected the batch),
 * `dropped` (not handed to the sink: its buffer was full, or `close()` gave up on it). A record
 * given after `close()` is counted in `dropped` once per sink (once when there is none).
 * @publicApi
 */
export interface UsageLogStats {
  recorded: number;
  written: number;
  dropped: number;
  failed: number;
}

/** How long `close()` waits for the sinks before counting what is left as dropped / failed. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * The usage log: one record per call, aggregated at once per day (in memory, `keepDays` days)
 * and handed to the sinks (the daily JSONL files with `dir`, plus `sinks`) in batches, off the
 * call's path. `record()` never throws, never blocks, never waits for a sink: a slow sink's
 * records wait in its own buffer (at most `maxBuffered`, beyond which they are dropped and
 * counted), a failing sink's batches are counted as failed; each episode is reported once.
 * See docs/llm/usage-log.md.
 * @publicApi
 */
export class UsageLog {
  /** Whether prompt/completion text is kept (the caller only builds the text when true). */
  readonly includeText: boolean;
  private readonly counts: UsageCounts = { recorded: 0, written: 0, dropped: 0, failed: 0 };
  private readonly days = new Map<string, UsageAggregate>();
  private readonly queues: SinkQueue[];
  private readonly fileQueue: SinkQueue | undefined;
  private scheduled = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private reported = new Set<string>();

  private constructor(
    private readonly options: NormalizedUsageLogOptions,
    private readonly clock: Clock,
    private readonly logger: CostLogger | undefined,
    fileSink: FileUsageSink | undefined,
  ) {
    this.includeText = options.includeText;
    const sinks = fileSink === undefined ? options.sinks : [fileSink, ...options.sinks];
    this.queues = sinks.map((s) => new SinkQueue(s, options.maxBuffered, this.counts, logger));
    this.fileQueue = fileSink === undefined ? undefined : this.queues[0];
  }

  /** Validates (`<path>.<option>`, default path `costs.usageLog`). With `dir`, rebuilds today's (and keepDays') aggregates from existing files at create (sync read), so summaries survive a restart. */
  static create(options: UsageLogOptions, deps?: { clock?: Clock; logger?: CostLogger; path?: string }): UsageLog {
    const path = deps?.path ?? 'costs.usageLog';
    const checked = checkPolicyDeps(path, deps, ['clock']);
    const o = normalizeUsageLogOptions(options, path);
    const logger = deps?.logger;
    if (logger !== undefined && (logger === null || typeof logger.warn !== 'function'))
      throw new ResilienceConfigError(`${path}.logger`, logger, 'a logger { warn(message), log?(message) }');
    const file =
      o.dir === undefined
        ? undefined
        : FileUsageSink.create({ dir: o.dir, prefix: o.prefix, timeZone: o.timeZone }, path);
    const log = new UsageLog(o, checked.clock ?? systemClock, logger, file);
    if (o.dir !== undefined) log.rebuild(o.dir);
    return log;
  }

  /** Never throws, never blocks: aggregates at once, queues for the sinks (flushed on a microtask/unref'd timer). */
  record(record: UsageRecord): void {
    try {
      if (this.closed) {
        this.counts.dropped += Math.max(1, this.queues.length);
        this.reportOnce(
          'closed',
          'usage log: record() after close(); the record is dropped (counted in stats().dropped)',
        );
        return;
      }
      const now = this.clock.now();
      const clean = sanitizeRecord(record, this.includeText, new Date(now).toISOString());
      this.counts.recorded++;
      this.dayAggregate(dayOfTime(clean.time, this.options.timeZone, now))?.add(clean);
      if (this.queues.length === 0) return;
      for (const q of this.queues) q.enqueue(clean);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.drive());
      }
    } catch (error) {
      this.counts.dropped++;
      this.reportOnce(
        'bad',
        `usage log: a record could not be processed (${(error as Error)?.name}); it is dropped and counted`,
      );
    }
  }

  /** Today's (or `day`'s: `YYYY-MM-DD` or a Date) totals, per model / provider / scope, from the in-memory aggregates. */
  getDailySummary(day?: string | Date): UsageSummary {
    const d =
      day === undefined ? dayOf(this.clock.now(), this.options.timeZone) : toDay('day', day, this.options.timeZone);
    return (this.days.get(d) ?? new UsageAggregate()).toSummary(d, d);
  }

  /** Totals over days [from, to] inclusive: from the files when `dir` is set (all days), else the in-memory days. */
  async summarize(from: string | Date, to: string | Date): Promise<UsageSummary> {
    const f = toDay('from', from, this.options.timeZone);
    const t = toDay('to', to, this.options.timeZone);
    if (t < f) throw new ResilienceConfigError('to', to, `a day on or after from (${f})`);
    const total = new UsageAggregate();
    const dir = this.options.dir;
    if (dir === undefined) {
      for (const [day, agg] of this.days) if (day >= f && day <= t) total.merge(agg);
      return total.toSummary(f, t);
    }
    await this.fileQueue?.whenSettled();
    let bad = 0;
    for (const file of await listUsageFiles(dir, this.options.prefix))
      if (file.day >= f && file.day <= t) bad += await readUsageFile(file.path, (r) => total.add(r));
    if (bad > 0) this.warn(`usage log: summarize(${f}, ${t}) skipped ${bad} unreadable lines in ${dir}`);
    return total.toSummary(f, t);
  }

  stats(): UsageLogStats {
    return { ...this.counts };
  }

  /** Resolves when everything recorded so far reached the sinks (or was counted as failed). */
  async flush(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.whenSettled()));
  }

  /** flush + closes sinks. Later records are counted as dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.drive();
    if (!(await this.withinCloseTimeout(this.flush()))) {
      let left = 0;
      for (const q of this.queues) left += q.abandon();
      this.warn(`usage log: close() gave up after ${CLOSE_TIMEOUT_MS} ms on ${left} records sinks had not taken`);
    }
    for (const q of this.queues) {
      const name = q.sink.name;
      try {
        const closing = q.sink.close?.();
        if (closing !== undefined && !(await this.withinCloseTimeout(Promise.resolve(closing))))
          this.warn(`usage log: sink '${name}' close() did not end within ${CLOSE_TIMEOUT_MS} ms`);
      } catch (error) {
        this.warn(`usage log: sink '${name}' close() failed (${(error as Error)?.name})`);
      }
    }
  }

  /** True when `work` ends within CLOSE_TIMEOUT_MS (an unref'd timer of the clock). */
  private withinCloseTimeout(work: Promise<void>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setBackgroundTimeout(this.clock, () => resolve(false), CLOSE_TIMEOUT_MS);
      work.then(
        () => {
          this.clock.clearTimeout(timer);
          resolve(true);
        },
        (error: unknown) => {
          this.clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private drive(): void {
    this.scheduled = false;
    for (const q of this.queues) q.drive();
  }

  /** The aggregate of `day`, created when new; at most keepDays days (the oldest goes; a day older than all kept is not aggregated). */
  private dayAggregate(day: string): UsageAggregate | undefined {
    let agg = this.days.get(day);
    if (agg !== undefined) return agg;
    if (this.days.size >= this.options.keepDays) {
      let oldest: string | undefined;
      for (const d of this.days.keys()) if (oldest === undefined || d < oldest) oldest = d;
      if (oldest !== undefined && day < oldest) return undefined;
      if (oldest !== undefined) this.days.delete(oldest);
    }
    agg = new UsageAggregate();
    this.days.set(day, agg);
    return agg;
  }

  /** Reads the files of the last keepDays days (sync) into the per-day aggregates. */
  private rebuild(dir: string): void {
    const today = dayOf(this.clock.now(), this.options.timeZone);
    const first = addDays(today, -(this.options.keepDays - 1));
    let bad = 0;
    try {
      for (const file of listUsageFilesSync(dir, this.options.prefix)) {
        if (file.day < first || file.day > today) continue;
        const agg = this.dayAggregate(file.day);
        if (agg !== undefined) bad += readUsageFileSync(file.path, (r) => agg.add(r));
      }
    } catch (error) {
      this.warn(
        `usage log: could not read the usage files in ${dir} (${(error as Error)?.message}); summaries start empty`,
      );
    }
    if (bad > 0) this.warn(`usage log: skipped ${bad} unreadable lines in the usage files of ${dir}`);
  }

  private reportOnce(key: string, message: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.warn(message);
  }

  private warn(message: string): void {
    try {
      this.logger?.warn(message);
    } catch {
      // A throwing logger must not break the log.
    }
  }
}
