import { afterAll, describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VirtualClock } from '../clock.js';
import { isResilienceConfigError } from '../errors/config.error.js';
import { describeBudgetLedgerCases, fixedWindow, rollingWindow } from '../testing-support/budget-ledger-cases.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import type { LedgerWindow } from './store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-journal-'));
let seq = 0;
const newFile = (): string => path.join(dir, `spend-${++seq}.jsonl`);
const lines = (file: string): string[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
const open: MemoryBudgetLedger[] = [];

/** A journaled ledger, closed after the suite (a "crashed" one is simply never closed by its test). */
function ledgerOn(file: string, clock: VirtualClock, warnings?: string[]): MemoryBudgetLedger {
  const l = MemoryBudgetLedger.create({ clock, file, logger: warnings && { warn: (m) => warnings.push(m) } });
  open.push(l);
  return l;
}

afterAll(async () => {
  for (const l of open) await l.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describeBudgetLedgerCases('MemoryBudgetLedger with a journal (the BudgetLedger contract)', () => ({
  make: (clock) => MemoryBudgetLedger.create({ clock, file: newFile() }),
  clock: () => new VirtualClock(),
}));

describe('MemoryBudgetLedger journal', () => {
  it('writes every change at once, and a restart keeps spend, live holds and markers', async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const a = ledgerOn(file, clock);
    const w = fixedWindow(clock, 'restart', 100);
    const r = rollingWindow(clock, 'restart-rolling', 100, 1_000, 3);
    await a.reserve('h1', [w, r], 40, clock.now() + 60_000);
    expect(lines(file)).toHaveLength(1); // written synchronously, before close
    await a.settle('s1', [w, r], 25);
    await a.markOnce(w, 'warn:0.5');
    expect(lines(file)).toHaveLength(3);
    await a.close();
    await a.close(); // idempotent
    await a.settle('after-close', [w], 1_000); // kept in memory only
    const b = ledgerOn(file, new VirtualClock(clock.now()));
    expect(await b.totals([w, r])).toEqual([
      { spent: 25, reserved: 40 },
      { spent: 25, reserved: 40 },
    ]);
    expect(await b.markOnce(w, 'warn:0.5')).toBe(false);
    expect(await b.reserve('x', [w], 36, clock.now() + 1)).toEqual({ ok: false, index: 0, spent: 25, reserved: 40 });
    expect(await b.settle('h1', [w, r], 30)).toEqual([
      { spent: 55, reserved: 0 },
      { spent: 55, reserved: 0 },
    ]);
  });

  it('keeps the slot timing of rolling spend across a restart', async () => {
    const file = newFile();
    const clock = new VirtualClock(1_700_000_000_000);
    const a = ledgerOn(file, clock);
    const r = rollingWindow(clock, 'slots', 100, 1_000, 2);
    await a.settle('s', [r], 10); // slot start: leaves 3000 ms later
    await clock.advance(1_000);
    await a.settle('s', [r], 20);
    const later = new VirtualClock(clock.now() + 1_999);
    const b = ledgerOn(file, later);
    expect(await b.totals([r])).toEqual([{ spent: 30, reserved: 0 }]);
    await later.advance(1);
    expect(await b.totals([r])).toEqual([{ spent: 20, reserved: 0 }]);
    await later.advance(1_000);
    expect(await b.totals([r])).toEqual([{ spent: 0, reserved: 0 }]);
  });

  it("expires a dead process's hold after its holdUntil, exactly", async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const dead = ledgerOn(file, clock);
    const w = fixedWindow(clock, 'dead', 100);
    const t0 = clock.now();
    await dead.reserve('in-flight', [w], 70, t0 + 5_000);
    await dead.reserve('short', [w], 10, t0 + 1_000);
    // The process dies here (no close); another starts 4 s later on the same file.
    const next = new VirtualClock(t0 + 4_999);
    const b = ledgerOn(file, next);
    expect(await b.totals([w])).toEqual([{ spent: 0, reserved: 70 }]);
    await next.advance(1);
    expect(await b.totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    expect(await b.reserve('new', [w], 100, t0 + 9_000)).toEqual({ ok: true });
  });

  it('skips a torn last line (and an unreadable one), reports it once, and rewrites the file clean', async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const a = ledgerOn(file, clock);
    const w = fixedWindow(clock, 'torn', 100);
    await a.settle('s1', [w], 10);
    fs.appendFileSync(file, '{"t":"x","w":[]}\nnot json\n');
    await a.settle('s2', [w], 20);
    const full = JSON.stringify({ t: 's', a: 30, n: clock.now(), w: [[w.key, w.expiresAt, 0, 0]] });
    fs.appendFileSync(file, full.slice(0, 20)); // a crash in the middle of a write
    const warnings: string[] = [];
    const b = ledgerOn(file, new VirtualClock(clock.now()), warnings);
    expect(b.skippedJournalLines).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('skipped 3');
    expect(await b.totals([w])).toEqual([{ spent: 30, reserved: 0 }]);
    await b.settle('s3', [w], 1);
    await b.close();
    const again: string[] = [];
    const c = ledgerOn(file, new VirtualClock(clock.now()), again);
    expect([c.skippedJournalLines, again.length]).toEqual([0, 0]);
    expect(await c.totals([w])).toEqual([{ spent: 31, reserved: 0 }]);
  });

  it('compacts at create: the live state only, expired windows and holds dropped', async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const a = ledgerOn(file, clock);
    const w = fixedWindow(clock, 'compact', 1_000_000);
    const short: LedgerWindow = { ...fixedWindow(clock, 'short', 100), expiresAt: clock.now() + 10_000 };
    for (let i = 0; i < 200; i++) {
      await a.reserve(`c${i}`, [w], 5, clock.now() + 60_000);
      await a.settle(`c${i}`, [w], 3);
    }
    await a.reserve('live', [w], 7, clock.now() + 60_000);
    await a.reserve('gone', [w], 9, clock.now() + 5_000);
    await a.settle('x', [short], 50);
    await a.close();
    const before = fs.statSync(file).size;
    expect(lines(file)).toHaveLength(403);
    const b = ledgerOn(file, new VirtualClock(clock.now() + 10_000));
    // One spend line and one hold line for `compact`; `short` and the hold `gone` expired.
    expect(lines(file)).toHaveLength(2);
    expect(fs.statSync(file).size).toBeLessThan(before / 50);
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
    expect(await b.totals([w, short])).toEqual([
      { spent: 600, reserved: 7 },
      { spent: 0, reserved: 0 },
    ]);
  });

  it('compacts again while running once many lines were appended', async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const a = ledgerOn(file, clock);
    const w = fixedWindow(clock, 'running', Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < 10_050; i++) await a.settle('s', [w], 1);
    expect(lines(file).length).toBeLessThan(100);
    await a.close();
    expect(await ledgerOn(file, new VirtualClock(clock.now())).totals([w])).toEqual([{ spent: 10_050, reserved: 0 }]);
  });

  it('keeps holds and windows that never end (Infinity) across a restart', async () => {
    const file = newFile();
    const clock = new VirtualClock();
    const w: LedgerWindow = { ...fixedWindow(clock, 'forever', 100), expiresAt: Infinity };
    await ledgerOn(file, clock).reserve('h', [w], 40, Infinity);
    const later = new VirtualClock(clock.now() + 1e12);
    expect(await ledgerOn(file, later).totals([w])).toEqual([{ spent: 0, reserved: 40 }]);
  });

  it('creates a missing directory', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'spend.jsonl');
    const clock = new VirtualClock();
    const a = ledgerOn(file, clock);
    await a.settle('s', [fixedWindow(clock, 'dir', 10)], 1);
    expect(lines(file)).toHaveLength(1);
  });

  it('throws ResilienceConfigError naming costs.spendFile and the path for an unusable file', () => {
    const notADir = path.join(dir, 'plain-file');
    fs.writeFileSync(notADir, 'x');
    for (const file of [path.join(notADir, 'spend.jsonl'), dir]) {
      let error: unknown;
      try {
        MemoryBudgetLedger.create({ file });
      } catch (e) {
        error = e;
      }
      expect(isResilienceConfigError(error)).toBe(true);
      expect((error as Error).message).toContain('costs.spendFile');
      expect((error as Error).message).toContain(JSON.stringify(file));
    }
  });
});
