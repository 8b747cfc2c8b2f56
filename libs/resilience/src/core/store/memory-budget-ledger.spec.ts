import { describe, expect, it } from '@jest/globals';
import { seededRandom, VirtualClock } from '../clock.js';
import { ResilienceConfigError } from '../errors/config.error.js';
import { describeBudgetLedgerCases, fixedWindow } from '../testing-support/budget-ledger-cases.js';
import { BudgetWindowState } from './budget-window-state.js';
import { IndexedMinHeap } from './indexed-heap.js';
import { MemoryBudgetLedger } from './memory-budget-ledger.js';
import { MemoryStore } from './memory-store.js';
import type { LedgerWindow } from './store.js';

describeBudgetLedgerCases('MemoryBudgetLedger (the BudgetLedger contract)', () => ({
  make: (clock) => MemoryBudgetLedger.create({ clock }),
  clock: () => new VirtualClock(),
}));

function windowUntil(key: string, expiresAt: number): LedgerWindow {
  return { key, limit: 1_000, slotMs: 0, slots: 0, expiresAt };
}

describe('MemoryBudgetLedger bounds', () => {
  it('drops a window once its expiresAt passed, not before', async () => {
    const clock = new VirtualClock();
    const ledger = MemoryBudgetLedger.create({ clock });
    const w = windowUntil('day', clock.now() + 1_000);
    await ledger.settle('a', [w], 10);
    expect(await ledger.markOnce(w, 'warn')).toBe(true);
    await clock.advance(999);
    expect(await ledger.totals([w])).toEqual([{ spent: 10, reserved: 0 }]);
    expect(ledger.size).toBe(1);
    await clock.advance(1);
    expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    expect(ledger.size).toBe(0);
    // A new life of the key: its markers start again.
    expect(await ledger.markOnce({ ...w, expiresAt: clock.now() + 1_000 }, 'warn')).toBe(true);
  });

  it('extends a window to the latest expiresAt written (a rolling window refreshed on each write)', async () => {
    const clock = new VirtualClock();
    const ledger = MemoryBudgetLedger.create({ clock });
    await ledger.settle('a', [windowUntil('w', clock.now() + 1_000)], 10);
    await ledger.settle('b', [windowUntil('w', clock.now() + 5_000)], 5);
    await ledger.settle('c', [windowUntil('w', clock.now() + 2_000)], 1); // earlier: kept at +5000
    await clock.advance(4_999);
    expect(await ledger.totals([windowUntil('w', 0)])).toEqual([{ spent: 16, reserved: 0 }]);
    await clock.advance(1);
    expect(await ledger.totals([windowUntil('w', 0)])).toEqual([{ spent: 0, reserved: 0 }]);
  });

  it('keeps at most maxWindows windows, evicting the earliest-expiring first', async () => {
    const clock = new VirtualClock();
    const ledger = MemoryBudgetLedger.create({ clock, maxWindows: 3 });
    const t = clock.now();
    const a = windowUntil('a', t + 3_000);
    const b = windowUntil('b', t + 1_000);
    const c = windowUntil('c', t + 2_000);
    const d = windowUntil('d', t + 500);
    for (const w of [a, b, c]) await ledger.settle('x', [w], 7);
    expect(ledger.size).toBe(3);
    await ledger.settle('x', [d], 7); // evicts b (expires first), then d is the earliest
    expect(ledger.size).toBe(3);
    expect(await ledger.totals([a, b, c, d])).toEqual([
      { spent: 7, reserved: 0 },
      { spent: 0, reserved: 0 },
      { spent: 7, reserved: 0 },
      { spent: 7, reserved: 0 },
    ]);
    await ledger.reserve('y', [b], 1, t + 100); // evicts d
    expect(await ledger.totals([d, b])).toEqual([
      { spent: 0, reserved: 0 },
      { spent: 0, reserved: 1 },
    ]);
    // Reading or refusing creates nothing.
    expect(await ledger.reserve('z', [windowUntil('e', t + 9_000)], 5_000, t + 100)).toMatchObject({ ok: false });
    expect(await ledger.totals([windowUntil('f', t + 9_000)])).toEqual([{ spent: 0, reserved: 0 }]);
    expect(ledger.size).toBe(3);
  });

  it('validates maxWindows', () => {
    expect(() => MemoryBudgetLedger.create({ maxWindows: 0 })).toThrow(ResilienceConfigError);
    expect(() => MemoryBudgetLedger.create({ maxWindows: 1.5 })).toThrow(/maxWindows: 1\.5/);
  });

  it('a rolling window keeps at most slots + 1 slots', () => {
    const s = new BudgetWindowState('r', Infinity);
    for (let t = 0; t < 100_000; t += 250) s.spend(1, t, 1_000, 5);
    expect(s.slotIds.length).toBe(6);
    expect(s.spent).toBe(s.slotAmounts.reduce((x, y) => x + y, 0));
    s.expireSlots(1_000_000, 1_000, 5);
    expect([s.slotIds.length, s.spent]).toEqual([0, 0]);
  });

  it('forgets expired holds (released, replaced and expired holds leave no trace)', () => {
    const s = new BudgetWindowState('h', Infinity);
    for (let i = 0; i < 1_000; i++) s.hold(`id${i}`, 2, 10_000 - i * 7);
    s.hold('id1', 5, 1);
    s.release('id2');
    s.expireHolds(5_000);
    const live = [...s.holds.values()];
    expect(live.every((h) => h.until > 5_000)).toBe(true);
    expect(live.length).toBe(s.liveHolds().length);
    expect(s.reserved).toBe(live.reduce((x, h) => x + h.amount, 0));
    s.expireHolds(10_000);
    expect([s.holds.size, s.liveHolds().length, s.reserved]).toEqual([0, 0, 0]);
  });
});

describe('IndexedMinHeap', () => {
  it('pops in key order through pushes, removals and key changes (random ops against a sorted list)', () => {
    const random = seededRandom(12);
    const heap = new IndexedMinHeap<{ heapIndex: number; key: number }>((x) => x.key);
    const all: Array<{ heapIndex: number; key: number }> = [];
    for (let step = 0; step < 2_000; step++) {
      const r = random();
      if (r < 0.5 || all.length === 0) {
        const item = { heapIndex: -1, key: Math.floor(random() * 1_000) };
        heap.push(item);
        all.push(item);
      } else if (r < 0.7) {
        const item = all.splice(Math.floor(random() * all.length), 1)[0]!;
        heap.remove(item);
        heap.remove(item); // a second removal is a no-op
      } else if (r < 0.85) {
        const item = all[Math.floor(random() * all.length)]!;
        item.key = Math.floor(random() * 1_000);
        heap.update(item);
      } else {
        const min = Math.min(...all.map((x) => x.key));
        const top = heap.pop()!;
        expect(top.key).toBe(min);
        all.splice(all.indexOf(top), 1);
      }
      expect(heap.size).toBe(all.length);
    }
  });
});

describe('MemoryStore.createBudgetLedger', () => {
  it('returns a new in-memory ledger on the given clock', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore();
    const ledger = store.createBudgetLedger(clock);
    expect(ledger).toBeInstanceOf(MemoryBudgetLedger);
    const w = fixedWindow(clock, 'store', 10);
    expect(await ledger.reserve('a', [w], 10, clock.now() + 1_000)).toEqual({ ok: true });
    expect(await ledger.reserve('b', [w], 1, clock.now() + 1_000)).toMatchObject({ ok: false });
    await clock.advance(1_000); // expiry follows the given (virtual) clock
    expect(await ledger.reserve('b', [w], 1, clock.now() + 1_000)).toEqual({ ok: true });
    // Each call is its own ledger, like every memory backend.
    expect(await store.createBudgetLedger(clock).totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    await ledger.close?.();
    await ledger.close?.();
  });
});
