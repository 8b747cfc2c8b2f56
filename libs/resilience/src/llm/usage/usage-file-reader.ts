import { closeSync, createReadStream, openSync, readdirSync, readSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isUsageLine } from './usage-record.js';
import { isDay } from './usage-day.js';
import type { UsageRecord } from './usage.types.js';

/** One daily file of the usage log. @internal */
export interface UsageFile {
  day: string;
  path: string;
}

/** Parses one line; undefined for a line that is not a usage record (skipped and counted). */
function parseLine(line: string): UsageRecord | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return isUsageLine(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function filesIn(dir: string, prefix: string, names: readonly string[]): UsageFile[] {
  const head = `${prefix}-`;
  const out: UsageFile[] = [];
  for (const name of names) {
    if (!name.startsWith(head) || !name.endsWith('.jsonl')) continue;
    const day = name.slice(head.length, -'.jsonl'.length);
    if (isDay(day)) out.push({ day, path: join(dir, name) });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** The daily files `<prefix>-YYYY-MM-DD.jsonl` of `dir`, by day (none when `dir` does not exist). @internal */
export async function listUsageFiles(dir: string, prefix: string): Promise<UsageFile[]> {
  try {
    return filesIn(dir, prefix, await readdir(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** {@link listUsageFiles}, synchronously (at create). @internal */
export function listUsageFilesSync(dir: string, prefix: string): UsageFile[] {
  try {
    return filesIn(dir, prefix, readdirSync(dir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Streams a usage file line by line into `onRecord`; resolves the number of bad lines skipped. @internal */
export async function readUsageFile(path: string, onRecord: (r: UsageRecord) => void): Promise<number> {
  let bad = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const r = parseLine(line);
    if (r === undefined) bad++;
    else onRecord(r);
  }
  return bad;
}

const CHUNK = 1 << 16;

/**
 * Reads a usage file synchronously in 64 KiB chunks (memory bounded by the longest line, not
 * the file); returns the number of bad lines skipped. A missing file reads as empty. @internal
 */
export function readUsageFileSync(path: string, onRecord: (r: UsageRecord) => void): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let bad = 0;
  const take = (line: string): void => {
    if (line.trim() === '') return;
    const r = parseLine(line);
    if (r === undefined) bad++;
    else onRecord(r);
  };
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let data = rest.length > 0 ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      let nl = data.indexOf(10);
      while (nl >= 0) {
        take(data.toString('utf8', 0, nl));
        data = data.subarray(nl + 1);
        nl = data.indexOf(10);
      }
      rest = Buffer.from(data);
    }
    if (rest.length > 0) take(rest.toString('utf8'));
  } finally {
    closeSync(fd);
  }
  return bad;
}
