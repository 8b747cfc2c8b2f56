import * as fs from 'node:fs';
import * as path from 'node:path';
import { ResilienceConfigError } from '../errors/config.error.js';

/** A window in a journal line: key, expiresAt, slotMs, slots. @internal */
export type JournalWindow = [key: string, expiresAt: number, slotMs: number, slots: number];

/**
 * One line of a budget journal: one ledger operation on all its windows (so a crash never keeps
 * half of a reservation). `h`: hold `i` of `a` until `u`; `s`: release hold `i` (when given) and add
 * `a` spent at clock time `n`; `m`: marker `x` set.
 * @internal
 */
export type JournalRecord =
  | { t: 'h'; i: string; a: number; u: number; w: JournalWindow[] }
  | { t: 's'; i?: string; a: number; n: number; w: JournalWindow[] }
  | { t: 'm'; x: string; w: JournalWindow[] };

/** What a journal is replayed into and compacted from (the memory ledger). @internal */
export interface JournalTarget {
  /** Applies one replayed line (no limit check: it was decided when it was written). */
  apply(record: JournalRecord): void;
  /** The live state at `now` as lines (expired windows and holds left out). */
  snapshot(now: number): Iterable<JournalRecord>;
}

/** Where a journal reports what it could not do (a `CostLogger` fits). @publicApi */
export interface LedgerLogger {
  warn(message: string): void;
}

/** Lines appended (beyond this many plus twice the last compaction's) before the journal is compacted again. */
const COMPACT_AFTER_LINES = 10_000;
/** Option path named by the errors of an unusable journal file. */
const OPTION_PATH = 'costs.spendFile';

/**
 * The append-only file behind a journaled `MemoryBudgetLedger`. Every change is written at once as
 * one JSON line (`openSync(file, 'a')` + `writeSync`, no buffering): it survives a crash of the
 * process, not a power loss or an OS crash (nothing is fsync'ed). At open the file is replayed
 * (synchronously; an unreadable line, such as a torn last write, is skipped and counted, never
 * fatal) and compacted: the live state is written to `<file>.tmp`, renamed over the file. It is
 * compacted again once enough lines were appended. One process per file: two processes appending
 * to the same journal do not see each other's spend.
 * @internal
 */
export class BudgetJournal {
  private fd: number | undefined;
  private appended = 0;
  private compactedLines = 0;
  private writeFailed = false;

  private constructor(
    readonly file: string,
    private readonly target: JournalTarget,
    private readonly now: () => number,
    private readonly logger: LedgerLogger | undefined,
    /** Lines skipped at open (torn or not a journal line). */
    readonly skippedLines: number,
  ) {}

  /**
   * Replays `file` into `target` (a missing file is an empty journal; its directory is created),
   * compacts it and opens it for appending. Throws `ResilienceConfigError` naming `costs.spendFile`
   * and the path when the file cannot be read or written.
   */
  static open(file: string, target: JournalTarget, now: () => number, logger?: LedgerLogger): BudgetJournal {
    let skipped: number;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      let text = '';
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      skipped = replay(text, target);
    } catch (e) {
      throw unusable(file, e);
    }
    const journal = new BudgetJournal(file, target, now, logger, skipped);
    journal.compact(true);
    if (skipped > 0)
      logger?.warn(
        `Budget journal ${file}: skipped ${skipped} unreadable line(s) (a write torn by a crash); the rest was replayed.`,
      );
    return journal;
  }

  /** Appends one change (synchronously). A failing write is reported once; the ledger keeps its state in memory. */
  append(record: JournalRecord): void {
    if (this.fd === undefined) return;
    try {
      fs.writeSync(this.fd, JSON.stringify(record) + '\n');
    } catch (e) {
      if (!this.writeFailed) {
        this.writeFailed = true;
        this.logger?.warn(
          `Budget journal ${this.file}: a write failed (${errorText(e)}); spend is kept in memory only until writes succeed again.`,
        );
      }
      return;
    }
    this.writeFailed = false;
    if (++this.appended > COMPACT_AFTER_LINES + 2 * this.compactedLines) this.compact(false);
  }

  /** Closes the file. Idempotent; later changes are not written. */
  close(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) fs.closeSync(fd);
  }

  /**
   * Writes the live state to `<file>.tmp`, renames it over the file and (re)opens it for appending.
   * `atOpen`: failures throw `ResilienceConfigError`; later ones are reported and appending goes on.
   */
  private compact(atOpen: boolean): void {
    const tmp = `${this.file}.tmp`;
    try {
      const lines: string[] = [];
      for (const r of this.target.snapshot(this.now())) lines.push(JSON.stringify(r) + '\n');
      fs.writeFileSync(tmp, lines.join(''));
      fs.renameSync(tmp, this.file);
      const fd = fs.openSync(this.file, 'a');
      this.close();
      this.fd = fd;
      this.appended = 0;
      this.compactedLines = lines.length;
    } catch (e) {
      if (atOpen) throw unusable(this.file, e);
      this.appended = 0;
      this.logger?.warn(`Budget journal ${this.file}: compaction failed (${errorText(e)}); appending goes on.`);
    }
  }
}

/** Applies every readable line of `text`; returns how many were skipped. */
function replay(text: string, target: JournalTarget): number {
  let skipped = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    // A last line without its newline was torn by a crash mid-write.
    if (end < 0) return start < text.length ? skipped + 1 : skipped;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (isRecord(record)) target.apply(record);
    else skipped++;
  }
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A time: JSON writes `Infinity` (a hold or window that never ends) as `null`. */
const isTime = (v: unknown): boolean => v === null || isNum(v);
const time = (v: number | null): number => (v === null ? Infinity : v);

function isWindows(w: unknown): w is JournalWindow[] {
  if (!Array.isArray(w)) return false;
  for (const x of w as unknown[]) {
    if (!Array.isArray(x) || typeof x[0] !== 'string' || !isTime(x[1]) || !isNum(x[2]) || !isNum(x[3])) return false;
    x[1] = time(x[1] as number | null);
  }
  return true;
}

/** True for a well-formed journal line (its `null` times read back as `Infinity`). */
function isRecord(v: unknown): v is JournalRecord {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  if (!isWindows(r.w)) return false;
  switch (r.t) {
    case 'h':
      if (typeof r.i !== 'string' || !isNum(r.a) || !isTime(r.u)) return false;
      r.u = time(r.u as number | null);
      return true;
    case 's':
      return (r.i === undefined || typeof r.i === 'string') && isNum(r.a) && isNum(r.n);
    case 'm':
      return typeof r.x === 'string';
    default:
      return false;
  }
}

function errorText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

function unusable(file: string, e: unknown): ResilienceConfigError {
  return new ResilienceConfigError(OPTION_PATH, file, `a file this process can read and write (${errorText(e)})`);
}
