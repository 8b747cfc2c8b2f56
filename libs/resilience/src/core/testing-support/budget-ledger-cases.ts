// The BudgetLedger contract (core/store/store.ts) as Jest cases, run against every ledger
// (memory, memory with a journal, Redis) with its own factory and a virtual clock.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Clock } from '../clock.js';
import type { BudgetLedger, LedgerWindow } from '../store/store.js';

/** A clock a test moves by hand (`VirtualClock` is one). @internal */
export interface ManualClockLike extends Clock {
  /** Moves time forward by `ms` (runs due timers, if the clock has any). */
  advance(ms: number): Promise<void> | void;
}

/** How {@link describeBudgetLedgerCases} gets a ledger: called once per test, inside the test. @internal */
export interface BudgetLedgerCaseSetup {
  /** A fresh ledger on `clock` (a shared store: any ledger of it; keys are unique per test). Closed after the test when it has `close`. */
  make(clock: Clock): Promise<BudgetLedger> | BudgetLedger;
  /** A new manual clock for one test (e.g. `() => new VirtualClock()`). */
  clock(): ManualClockLike;
}

/** A day, ms: windows of the cases expire long after any case ends. */
const DAY = 86_400_000;
const HOLD = 600_000;

/** A window key unique to this run and test (a shared Redis keeps other runs' keys apart). @internal */
export function uniqueLedgerKey(name: string): string {
  return `case:${process.pid}:${Math.random().toString(36).slice(2, 10)}:${name}`;
}

/** A fixed window (`slotMs` 0) of `limit`, expiring a day after `clock`'s now. @internal */
export function fixedWindow(clock: Clock, name: string, limit: number): LedgerWindow {
  return { key: uniqueLedgerKey(name), limit, slotMs: 0, slots: 0, expiresAt: clock.now() + DAY };
}

/** A rolling window of `slots` × `slotMs`, expiring a day after `clock`'s now. @internal */
export function rollingWindow(clock: Clock, name: string, limit: number, slotMs: number, slots: number): LedgerWindow {
  return { key: uniqueLedgerKey(name), limit, slotMs, slots, expiresAt: clock.now() + DAY };
}

/**
 * Registers `describe(label)` with the cases of the {@link BudgetLedger} contract. `setup` is
 * called inside each test (after the suite's `beforeAll`, so it may read a connection opened
 * there); every test uses window keys of its own.
 * @internal
 */
export function describeBudgetLedgerCases(label: string, setup: () => BudgetLedgerCaseSetup): void {
  describe(label, () => {
    const opened: BudgetLedger[] = [];

    afterEach(async () => {
      for (const l of opened.splice(0)) await l.close?.();
    });

    async function start(): Promise<{ ledger: BudgetLedger; clock: ManualClockLike }> {
      const s = setup();
      const clock = s.clock();
      const ledger = await s.make(clock);
      opened.push(ledger);
      return { ledger, clock };
    }

    it('admits up to the limit exactly and refuses the amount beyond, with the index and totals', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'exact', 100);
      const until = clock.now() + HOLD;
      expect(await ledger.reserve('a', [w], 60, until)).toEqual({ ok: true });
      expect(await ledger.reserve('b', [w], 40, until)).toEqual({ ok: true });
      expect(await ledger.reserve('c', [w], 1, until)).toEqual({ ok: false, index: 0, spent: 0, reserved: 100 });
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 100 }]);
      await ledger.settle('a', [w], 55);
      expect(await ledger.reserve('d', [w], 6, until)).toEqual({ ok: false, index: 0, spent: 55, reserved: 40 });
      expect(await ledger.reserve('d', [w], 5, until)).toEqual({ ok: true });
      expect(await ledger.totals([w])).toEqual([{ spent: 55, reserved: 45 }]);
    });

    it('reserves in every window or in none: a refusing second window reserves nothing in the first', async () => {
      const { ledger, clock } = await start();
      const wide = fixedWindow(clock, 'wide', 100);
      const narrow = fixedWindow(clock, 'narrow', 10);
      const until = clock.now() + HOLD;
      expect(await ledger.reserve('x', [wide, narrow], 20, until)).toEqual({
        ok: false,
        index: 1,
        spent: 0,
        reserved: 0,
      });
      expect(await ledger.totals([wide, narrow])).toEqual([
        { spent: 0, reserved: 0 },
        { spent: 0, reserved: 0 },
      ]);
      expect(await ledger.reserve('y', [wide, narrow], 10, until)).toEqual({ ok: true });
      expect(await ledger.totals([wide, narrow])).toEqual([
        { spent: 0, reserved: 10 },
        { spent: 0, reserved: 10 },
      ]);
      // Both refuse: the first one (in the order given) is reported.
      expect(await ledger.reserve('z', [narrow, wide], 95, until)).toEqual({
        ok: false,
        index: 0,
        spent: 0,
        reserved: 10,
      });
      expect(await ledger.totals([wide])).toEqual([{ spent: 0, reserved: 10 }]);
    });

    it('always admits amount 0 and records nothing, also in a window spent beyond its limit', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'zero', 10);
      const until = clock.now() + HOLD;
      await ledger.settle('spent', [w], 15);
      expect(await ledger.reserve('z', [w], 0, until)).toEqual({ ok: true });
      expect(await ledger.totals([w])).toEqual([{ spent: 15, reserved: 0 }]);
      expect(await ledger.reserve('one', [w], 1, until)).toEqual({ ok: false, index: 0, spent: 15, reserved: 0 });
    });

    it('replaces the amount (and hold) of an id reserved again; a refused re-reserve keeps the old one', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'replace', 100);
      expect(await ledger.reserve('a', [w], 30, clock.now() + 1_000)).toEqual({ ok: true });
      expect(await ledger.reserve('a', [w], 50, clock.now() + 5_000)).toEqual({ ok: true });
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 50 }]);
      // The old amount is not counted against its replacement: 100 fits where 50 is held by `a` itself.
      expect(await ledger.reserve('a', [w], 100, clock.now() + 5_000)).toEqual({ ok: true });
      expect(await ledger.reserve('a', [w], 20, clock.now() + 5_000)).toEqual({ ok: true });
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 20 }]);
      expect(await ledger.reserve('b', [w], 70, clock.now() + 5_000)).toEqual({ ok: true });
      expect(await ledger.reserve('a', [w], 31, clock.now() + 5_000)).toEqual({
        ok: false,
        index: 0,
        spent: 0,
        reserved: 90,
      });
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 90 }]);
      // The hold of `a` is the replacement's (5 s), not the first one's (1 s).
      await clock.advance(1_000);
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 90 }]);
    });

    it('settles: removes the hold and adds the actual amount, also above the reservation and the limit', async () => {
      const { ledger, clock } = await start();
      const a = fixedWindow(clock, 'settle-a', 100);
      const b = fixedWindow(clock, 'settle-b', 1_000);
      const until = clock.now() + HOLD;
      await ledger.reserve('r1', [a, b], 50, until);
      await ledger.reserve('r2', [a, b], 20, until);
      expect(await ledger.settle('r1', [a, b], 30)).toEqual([
        { spent: 30, reserved: 20 },
        { spent: 30, reserved: 20 },
      ]);
      expect(await ledger.settle('r2', [a, b], 90)).toEqual([
        { spent: 120, reserved: 0 },
        { spent: 120, reserved: 0 },
      ]);
      // Settling again (or an id never reserved) adds the amount only.
      expect(await ledger.settle('r2', [a], 0)).toEqual([{ spent: 120, reserved: 0 }]);
      expect(await ledger.totals([a, b])).toEqual([
        { spent: 120, reserved: 0 },
        { spent: 120, reserved: 0 },
      ]);
    });

    it('settles an expired hold: adds the actual amount only, other holds stay', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'settle-expired', 100);
      await ledger.reserve('short', [w], 50, clock.now() + 1_000);
      await ledger.reserve('long', [w], 20, clock.now() + 10_000);
      await clock.advance(1_000);
      expect(await ledger.settle('short', [w], 30)).toEqual([{ spent: 30, reserved: 20 }]);
    });

    it('does not count holds whose holdUntil passed, exactly, in whatever order they were made', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'expiry', 100);
      const t0 = clock.now();
      await ledger.reserve('late', [w], 40, t0 + 5_000);
      await ledger.reserve('early', [w], 30, t0 + 1_000);
      await ledger.reserve('mid', [w], 30, t0 + 3_000);
      expect(await ledger.reserve('x', [w], 1, t0 + HOLD)).toEqual({ ok: false, index: 0, spent: 0, reserved: 100 });
      await clock.advance(999);
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 100 }]);
      await clock.advance(1);
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 70 }]);
      await clock.advance(1_999);
      expect(await ledger.reserve('x', [w], 31, t0 + HOLD)).toEqual({ ok: false, index: 0, spent: 0, reserved: 70 });
      await clock.advance(1);
      expect(await ledger.reserve('x', [w], 60, t0 + HOLD)).toEqual({ ok: true });
      await clock.advance(2_000);
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 60 }]);
    });

    it('rolling windows: spend leaves between slots × slotMs and (slots + 1) × slotMs after it was spent, never early', async () => {
      const { ledger, clock } = await start();
      const slotMs = 1_000;
      const w = rollingWindow(clock, 'rolling', 100, slotMs, 3);
      await clock.advance(slotMs - (clock.now() % slotMs)); // at a slot's start
      const t0 = clock.now();
      await ledger.settle('s0', [w], 10); // spent at offset 0 of its slot: leaves at t0 + 4000
      await clock.advance(999);
      await ledger.settle('s1', [w], 20); // offset 999 of the same slot: leaves at t0 + 4000 too (3001 later)
      await clock.advance(1);
      await ledger.settle('s2', [w], 40); // next slot: leaves at t0 + 5000
      await clock.advance(2_999); // t0 + 3999: 3000 ms after s1 was spent, all still counted
      expect(await ledger.totals([w])).toEqual([{ spent: 70, reserved: 0 }]);
      expect(await ledger.reserve('r', [w], 31, clock.now() + HOLD)).toEqual({
        ok: false,
        index: 0,
        spent: 70,
        reserved: 0,
      });
      await clock.advance(1);
      expect(clock.now()).toBe(t0 + 4_000);
      expect(await ledger.totals([w])).toEqual([{ spent: 40, reserved: 0 }]);
      expect(await ledger.reserve('r', [w], 60, clock.now() + HOLD)).toEqual({ ok: true });
      await clock.advance(999);
      expect(await ledger.settle('r', [w], 0)).toEqual([{ spent: 40, reserved: 0 }]);
      await clock.advance(1); // t0 + 5000
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    });

    it('rolling windows: spend settled after a long idle time counts in the slot of now', async () => {
      const { ledger, clock } = await start();
      const w = rollingWindow(clock, 'rolling-idle', 100, 1_000, 2);
      await ledger.settle('a', [w], 30);
      await clock.advance(60_000);
      expect(await ledger.settle('b', [w], 25)).toEqual([{ spent: 25, reserved: 0 }]);
      await clock.advance(2_000);
      expect(await ledger.totals([w])).toEqual([{ spent: 25, reserved: 0 }]);
      await clock.advance(1_000);
      expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    });

    it('markOnce: true once per window and marker, then false; true again for another window', async () => {
      const { ledger, clock } = await start();
      const w = fixedWindow(clock, 'mark', 100);
      const other = fixedWindow(clock, 'mark-other', 100);
      expect(await ledger.markOnce(w, 'warn:0.8')).toBe(true);
      expect(await ledger.markOnce(w, 'warn:0.8')).toBe(false);
      expect(await ledger.markOnce(w, 'warn:0.8')).toBe(false);
      expect(await ledger.markOnce(w, 'warn:0.9')).toBe(true);
      expect(await ledger.markOnce(other, 'warn:0.8')).toBe(true);
      expect(await ledger.markOnce(other, 'warn:0.8')).toBe(false);
    });

    it('totals of windows never written are 0 / 0', async () => {
      const { ledger, clock } = await start();
      const a = fixedWindow(clock, 'unknown-a', 100);
      const b = rollingWindow(clock, 'unknown-b', 100, 1_000, 60);
      expect(await ledger.totals([a, b])).toEqual([
        { spent: 0, reserved: 0 },
        { spent: 0, reserved: 0 },
      ]);
      expect(await ledger.totals([])).toEqual([]);
    });
  });
}
