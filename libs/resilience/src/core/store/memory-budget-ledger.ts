import { systemClock, type Clock } from '../clock.js';
import { ResilienceConfigError } from '../errors/config.error.js';
import { BudgetJournal, type JournalRecord, type JournalWindow, type LedgerLogger } from './budget-journal.js';
import { BudgetWindowState } from './budget-window-state.js';
import { IndexedMinHeap } from './indexed-heap.js';
import type { BudgetLedger, LedgerDecision, LedgerTotals, LedgerWindow } from './store.js';

/** Default most windows kept (see {@link MemoryBudgetLedgerOptions.maxWindows}). */
const MAX_WINDOWS = 100_000;
const OK: LedgerDecision = Object.freeze({ ok: true });

/** Options of {@link MemoryBudgetLedger.create}. @publicApi */
export interface MemoryBudgetLedgerOptions {
  /** Time of reservations, rolling slots and window expiry. Default `systemClock`. */
  clock?: Clock;
  /**
   * Path of an append-only journal (JSON lines): every change is written to it at once, and at
   * create it is replayed and compacted, so spend and live reservations survive a restart (a crash
   * of the process, not a power loss). Its directory is created. Absent: in memory only.
   * One process per file.
   */
  file?: string;
  /**
   * Most windows kept. Windows are dropped once their `expiresAt` passed; beyond this many live
   * ones, the window that expires first is dropped to make room (its spend is forgotten).
   * Default 100_000.
   */
  maxWindows?: number;
  /** Reports journal problems: lines skipped at replay, failed writes (each once). */
  logger?: LedgerLogger;
}

/**
 * The per-process {@link BudgetLedger}: the default store's, and the fallback of stores without a
 * ledger of their own. Operations are synchronous inside (so atomic across windows) and resolve
 * at once.
 *
 * Bounds and costs: a reservation expires exactly at its `holdUntil` whatever order holds were
 * made in (each window keeps its holds in a heap ordered by end: O(log n) per hold made, released
 * or expired, nothing scanned); a window is dropped once its `expiresAt` passed (windows are kept
 * in a heap by `expiresAt`, expired ones dropped at the next operation); at most `maxWindows`
 * windows are kept, the earliest-expiring evicted first; a rolling window keeps at most
 * `slots + 1` slots. Holds are bounded by the calls in flight within their hold time.
 *
 * With `file`, every change is journaled (see {@link MemoryBudgetLedgerOptions.file}); call
 * {@link MemoryBudgetLedger.close} to release the file.
 * @publicApi
 */
export class MemoryBudgetLedger implements BudgetLedger {
  private readonly windows = new Map<string, BudgetWindowState>();
  private readonly byExpiry = new IndexedMinHeap<BudgetWindowState>((w) => w.expiresAt);
  private readonly journal: BudgetJournal | undefined;

  private constructor(
    private readonly clock: Clock,
    private readonly maxWindows: number,
    file: string | undefined,
    logger: LedgerLogger | undefined,
  ) {
    if (file !== undefined)
      this.journal = BudgetJournal.open(
        file,
        { apply: (r) => this.apply(r), snapshot: (now) => this.snapshot(now) },
        () => clock.now(),
        logger,
      );
  }

  /**
   * A ledger on `options.clock`. `file`: an append-only journal; at create it is replayed (sync) and
   * compacted, so spend and live reservations survive a restart. Absent: in memory only. Throws
   * `ResilienceConfigError` naming `costs.spendFile` and the path when the file cannot be read or
   * written, and naming `maxWindows` for a bad cap.
   */
  static create(options: MemoryBudgetLedgerOptions = {}): MemoryBudgetLedger {
    const max = options.maxWindows ?? MAX_WINDOWS;
    if (!Number.isSafeInteger(max) || max < 1) throw new ResilienceConfigError('maxWindows', max, 'an integer >= 1');
    if (options.file !== undefined && (typeof options.file !== 'string' || options.file === ''))
      throw new ResilienceConfigError('costs.spendFile', options.file, 'a file path');
    return new MemoryBudgetLedger(options.clock ?? systemClock, max, options.file, options.logger);
  }

  /** Windows kept now (expired ones may still be counted until the next operation). */
  get size(): number {
    return this.windows.size;
  }

  /** Journal lines skipped at create because they were unreadable (a torn last write); 0 without a file. */
  get skippedJournalLines(): number {
    return this.journal?.skippedLines ?? 0;
  }

  /** See {@link BudgetLedger.reserve}. The replaced amount of a re-reserved id is not counted against it. */
  reserve(id: string, windows: readonly LedgerWindow[], amount: number, holdUntil: number): Promise<LedgerDecision> {
    const now = this.clock.now();
    this.dropExpired(now);
    if (amount === 0) return Promise.resolve(OK);
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      const s = this.live(w, now);
      const spent = s?.spent ?? 0;
      const reserved = s?.reserved ?? 0;
      const others = reserved - (s?.heldBy(id) ?? 0);
      if (!(spent + others + amount <= w.limit)) return Promise.resolve({ ok: false, index: i, spent, reserved });
    }
    for (const w of windows) this.state(w.key, w.expiresAt).hold(id, amount, holdUntil);
    this.journal?.append({ t: 'h', i: id, a: amount, u: holdUntil, w: windows.map(journalWindow) });
    return Promise.resolve(OK);
  }

  /** See {@link BudgetLedger.settle}. */
  settle(id: string, windows: readonly LedgerWindow[], actual: number): Promise<LedgerTotals[]> {
    const now = this.clock.now();
    this.dropExpired(now);
    for (const w of windows) this.settleOne(w.key, w.expiresAt, w.slotMs, w.slots, id, actual, now);
    this.journal?.append({ t: 's', i: id, a: actual, n: now, w: windows.map(journalWindow) });
    return Promise.resolve(this.totalsAt(windows, now));
  }

  /** See {@link BudgetLedger.totals}. */
  totals(windows: readonly LedgerWindow[]): Promise<LedgerTotals[]> {
    const now = this.clock.now();
    this.dropExpired(now);
    return Promise.resolve(this.totalsAt(windows, now));
  }

  /** See {@link BudgetLedger.markOnce}. */
  markOnce(window: LedgerWindow, marker: string): Promise<boolean> {
    this.dropExpired(this.clock.now());
    const first = this.state(window.key, window.expiresAt).mark(marker);
    if (first) this.journal?.append({ t: 'm', x: marker, w: [journalWindow(window)] });
    return Promise.resolve(first);
  }

  /** Closes the journal file (when any). Idempotent; the ledger keeps working in memory. */
  close(): Promise<void> {
    this.journal?.close();
    return Promise.resolve();
  }

  private totalsAt(windows: readonly LedgerWindow[], now: number): LedgerTotals[] {
    const out: LedgerTotals[] = new Array<LedgerTotals>(windows.length);
    for (let i = 0; i < windows.length; i++) {
      const s = this.live(windows[i]!, now);
      out[i] = { spent: s?.spent ?? 0, reserved: s?.reserved ?? 0 };
    }
    return out;
  }

  /** The state of `w` with its expired holds and slots dropped, or undefined when none is kept. */
  private live(w: LedgerWindow, now: number): BudgetWindowState | undefined {
    const s = this.windows.get(w.key);
    if (s === undefined) return undefined;
    s.expireHolds(now);
    s.expireSlots(now, w.slotMs, w.slots);
    return s;
  }

  private settleOne(
    key: string,
    expiresAt: number,
    slotMs: number,
    slots: number,
    id: string | undefined,
    amount: number,
    at: number,
  ): void {
    if (amount === 0 && !this.windows.has(key)) return;
    const s = this.state(key, expiresAt);
    if (id !== undefined) s.release(id);
    s.spend(amount, at, slotMs, slots);
  }

  /** The state of window `key` (created when absent, evicting the earliest-expiring at the cap), its expiry extended to `expiresAt`. */
  private state(key: string, expiresAt: number): BudgetWindowState {
    const s = this.windows.get(key);
    if (s !== undefined) {
      this.touch(s, expiresAt);
      return s;
    }
    if (this.windows.size >= this.maxWindows) {
      const evicted = this.byExpiry.pop();
      if (evicted !== undefined) this.windows.delete(evicted.key);
    }
    const created = new BudgetWindowState(key, expiresAt);
    this.windows.set(key, created);
    this.byExpiry.push(created);
    return created;
  }

  private touch(s: BudgetWindowState, expiresAt: number): void {
    if (expiresAt > s.expiresAt) {
      s.expiresAt = expiresAt;
      this.byExpiry.update(s);
    }
  }

  /** Drops the windows whose `expiresAt` passed (only those, earliest first). */
  private dropExpired(now: number): void {
    for (let s = this.byExpiry.peek(); s !== undefined && s.expiresAt <= now; s = this.byExpiry.peek()) {
      this.byExpiry.pop();
      this.windows.delete(s.key);
    }
  }

  /** Applies a journal line (replay). */
  private apply(r: JournalRecord): void {
    for (const [key, expiresAt, slotMs, slots] of r.w) {
      if (r.t === 'h') this.state(key, expiresAt).hold(r.i, r.a, r.u);
      else if (r.t === 's') this.settleOne(key, expiresAt, slotMs, slots, r.i, r.a, r.n);
      else this.state(key, expiresAt).mark(r.x);
    }
  }

  /** The live state at `now` as journal lines (compaction). */
  private *snapshot(now: number): Iterable<JournalRecord> {
    this.dropExpired(now);
    for (const s of this.windows.values()) {
      s.expireHolds(now);
      s.expireSlots(now, s.slotMs, s.slots);
      const w: JournalWindow[] = [[s.key, s.expiresAt, s.slotMs, s.slots]];
      if (s.slotMs > 0)
        for (let i = 0; i < s.slotIds.length; i++)
          yield { t: 's', a: s.slotAmounts[i]!, n: s.slotIds[i]! * s.slotMs, w };
      else if (s.spent !== 0) yield { t: 's', a: s.spent, n: now, w };
      for (const h of s.liveHolds()) yield { t: 'h', i: h.id, a: h.amount, u: h.until, w };
      if (s.markers !== undefined) for (const x of s.markers) yield { t: 'm', x, w };
    }
  }
}

function journalWindow(w: LedgerWindow): JournalWindow {
  return [w.key, w.expiresAt, w.slotMs, w.slots];
}
