import { mkdirSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOptionsObject, startNormalize } from '../../core/options/validate.js';
import { dayOfTime } from './usage-day.js';
import { checkDir, checkPrefix, checkTimeZone } from './usage-log.normalize.js';
import type { UsageRecord, UsageSink } from './usage.types.js';

/** Options of a {@link FileUsageSink}. @publicApi */
export interface FileUsageSinkOptions {
  /** Directory of the daily files; created (recursively) at create. */
  dir: string;
  /** File name prefix. Default `usage`. */
  prefix?: string;
  /** Time zone of the day in the file name. Default `UTC`. */
  timeZone?: string;
}

/**
 * The usage log's file sink: one JSON object per line, in daily files
 * `<dir>/<prefix>-YYYY-MM-DD.jsonl`, the day being the record's `time` in `timeZone` (a batch
 * that spans midnight goes to two files: rotation follows the records, not the wall clock).
 * One `appendFile` per day of a batch; batches are appended in the order they arrive, one at a
 * time. The sink writes records as given: `UsageLog` hands it records already cleaned (no text
 * unless `includeText`, metadata scrubbed). See docs/llm/usage-log.md.
 * @publicApi
 */
export class FileUsageSink implements UsageSink {
  readonly name = 'file';
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    /** The directory of the files. */
    readonly dir: string,
    /** The file name prefix. */
    readonly prefix: string,
    /** The time zone of the file days. */
    readonly timeZone: string,
  ) {}

  /**
   * Validates (`ResilienceConfigError` naming `<path>.dir` / `.prefix` / `.timeZone`, default
   * path `costs.usageLog`) and creates the directory (sync).
   */
  static create(options: FileUsageSinkOptions, path = 'costs.usageLog'): FileUsageSink {
    checkOptionsObject(path, options, 'an options object { dir, prefix?, timeZone? }');
    const p = startNormalize<keyof FileUsageSinkOptions>(path, options, ['dir', 'prefix', 'timeZone']);
    const sink = new FileUsageSink(
      checkDir(p('dir'), options.dir),
      checkPrefix(p('prefix'), options.prefix),
      checkTimeZone(p('timeZone'), options.timeZone),
    );
    mkdirSync(sink.dir, { recursive: true });
    return sink;
  }

  /** The path of the file of `day` (`YYYY-MM-DD`). */
  fileOf(day: string): string {
    return join(this.dir, `${this.prefix}-${day}.jsonl`);
  }

  /** Appends the records (after the batches before them); rejects when the file system does. */
  write(records: readonly UsageRecord[]): Promise<void> {
    const byDay = new Map<string, string[]>();
    const now = Date.now();
    for (const r of records) {
      const day = dayOfTime(r.time, this.timeZone, now);
      let lines = byDay.get(day);
      if (lines === undefined) byDay.set(day, (lines = []));
      lines.push(`${JSON.stringify(r)}\n`);
    }
    const run = this.tail.then(async () => {
      for (const [day, lines] of byDay) await this.append(this.fileOf(day), lines.join(''));
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves when the writes started so far have ended. */
  async close(): Promise<void> {
    await this.tail;
  }

  private async append(file: string, text: string): Promise<void> {
    try {
      await appendFile(file, text, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // The directory was removed (log cleanup): create it again, once.
      await mkdir(this.dir, { recursive: true });
      await appendFile(file, text, 'utf8');
    }
  }
}
