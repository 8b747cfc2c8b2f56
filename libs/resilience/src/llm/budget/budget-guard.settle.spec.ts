import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { MemoryBudgetLedger } from '../../core/store/memory-budget-ledger.js';
import type { BudgetLedger } from '../../core/store/store.js';
import { observe } from '../../core/testing-support/observe.js';
import { BudgetGuard, type BudgetCall, type BudgetWarningEvent } from './budget-guard.js';
import { SettlementQueue } from './budget-settlements.js';

const USD = 1_000_000_000;
const at = (iso: string): number => Date.parse(iso);
const gpt: BudgetCall = { model: 'gpt-4o', provider: 'openai', key: 'tenant-a' };

let clock: VirtualClock;
let ledger: MemoryBudgetLedger;
let lines: string[];
const logger = { warn: (m: string) => void lines.push(m) };

beforeEach(() => {
  clock = new VirtualClock(at('2026-12-02T12:00:00Z'));
  ledger = MemoryBudgetLedger.create({ clock });
  lines = [];
});

/** The memory ledger, whose settle fails while `down` is true. */
function flaky(inner: BudgetLedger): BudgetLedger & { down: boolean; failures: number } {
  const l = {
    down: false,
    failures: 0,
    reserve: inner.reserve.bind(inner),
    totals: inner.totals.bind(inner),
    markOnce: inner.markOnce.bind(inner),
    settle: (...args: Parameters<BudgetLedger['settle']>) => {
      if (!l.down) return inner.settle(...args);
      l.failures++;
      return Promise.reject(new Error('ledger down'));
    },
  };
  return l;
}

describe('BudgetGuard.settle', () => {
  it('replaces the reservation by the actual cost, once per hold', async () => {
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger, clock });
    const h = (await g.reserve(gpt, 0.5 * USD))!;
    await g.settle(h, 0.2 * USD);
    await g.settle(h, 0.2 * USD); // a second settle of the same hold counts nothing
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0.2, reservedUsd: 0, remainingUsd: 0.8 });
  });

  it('ignores a hold it did not make, with one log line', async () => {
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger, clock, logger });
    const other = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger, clock });
    const h = (await other.reserve(gpt, 0.5 * USD))!;
    await g.settle(h, USD);
    await g.settle({ id: 'x' }, USD);
    expect(lines).toHaveLength(1);
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0, reservedUsd: 0.5 });
  });
});

describe('warnings', () => {
  it('fire once per window per threshold (event + one log line), and again in the next window', async () => {
    const g = BudgetGuard.create([{ name: 'daily', limitUsd: 10, warnAt: [0.5, 0.8], timeZone: 'Europe/Berlin' }], {
      ledger,
      clock,
      logger,
    });
    const events: BudgetWarningEvent[] = [];
    g.onWarning((e) => events.push(e));
    const spend = async (usd: number): Promise<void> => g.settle((await g.reserve(gpt, usd * USD))!, usd * USD);
    await spend(4.9);
    expect(events).toHaveLength(0);
    await spend(0.1);
    expect(events).toEqual([
      {
        budget: 'daily',
        scope: 'global',
        scopeValue: undefined,
        threshold: 0.5,
        limitUsd: 10,
        spentUsd: 5,
        reservedUsd: 0,
        windowId: '2026-12-02',
        resetsAt: '2026-12-03T00:00:00.000+01:00',
      },
    ]);
    expect(lines).toEqual([
      "nest-resilience: budget 'daily' (global) reached 50% in window 2026-12-02: 5.00 of 10.00 USD spent, 0.00 reserved; resets at 2026-12-03T00:00:00.000+01:00",
    ]);
    await spend(0.5);
    await spend(4); // 9.5: past 80%
    await spend(0.1);
    expect(events.map((e) => e.threshold)).toEqual([0.5, 0.8]);
    expect(lines).toHaveLength(2);
    await clock.advance(at('2026-12-02T23:00:00Z') - clock.now());
    await spend(6); // both thresholds crossed at once in the new window
    expect(events.map((e) => [e.windowId, e.threshold])).toEqual([
      ['2026-12-02', 0.5],
      ['2026-12-02', 0.8],
      ['2026-12-03', 0.5],
    ]);
    await spend(2.5);
    expect(events.map((e) => e.threshold)).toEqual([0.5, 0.8, 0.5, 0.8]);
  });

  it('once across guards (processes) sharing the ledger, per scope value', async () => {
    const budgets = [{ name: 'tenant', scope: 'key' as const, limitUsd: 1 }];
    const a = BudgetGuard.create(budgets, { ledger, clock });
    const b = BudgetGuard.create(budgets, { ledger, clock });
    const seen: string[] = [];
    a.onWarning((e) => seen.push(`a:${e.scopeValue}`));
    b.onWarning((e) => seen.push(`b:${e.scopeValue}`));
    await a.settle((await a.reserve(gpt, USD))!, 0.85 * USD);
    await b.settle((await b.reserve(gpt, 0.1 * USD))!, 0.1 * USD);
    await b.settle((await b.reserve({ ...gpt, key: 'tenant-b' }, USD))!, 0.9 * USD);
    expect(seen).toEqual(['a:tenant-a', 'b:tenant-b']);
  });

  it('warnAt [] never asks the ledger', async () => {
    let marks = 0;
    const l: BudgetLedger = { ...bound(ledger), markOnce: () => (marks++, Promise.resolve(true)) };
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1, warnAt: [] }], { ledger: l, clock });
    await g.settle((await g.reserve(gpt, USD))!, USD);
    expect(marks).toBe(0);
  });
});

function bound(l: BudgetLedger): BudgetLedger {
  return {
    reserve: l.reserve.bind(l),
    settle: l.settle.bind(l),
    totals: l.totals.bind(l),
    markOnce: l.markOnce.bind(l),
  };
}

describe('a failing ledger on settle', () => {
  it('keeps the settlement, retries it on an unref-able timer, reports the outage once and its end', async () => {
    const l = flaky(ledger);
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger: l, clock, logger });
    const h1 = (await g.reserve(gpt, 0.5 * USD))!;
    const h2 = (await g.reserve(gpt, 0.5 * USD))!;
    l.down = true;
    await g.settle(h1, 0.1 * USD); // resolves: never rejects
    await g.settle(h2, 0.2 * USD);
    expect(g.settlementStats()).toEqual({ pending: 2, queued: 2, dropped: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ledger down');
    const idle = observe(g.idle());
    await clock.advance(1_000); // first retry fails
    await clock.advance(2_000); // second retry fails
    expect(l.failures).toBe(4);
    expect(idle.state).toBe('pending');
    expect(lines).toHaveLength(1);
    l.down = false;
    await clock.advance(4_000);
    expect(idle.state).toBe('fulfilled');
    expect(g.settlementStats()).toEqual({ pending: 0, queued: 0, dropped: 0 });
    expect(lines[1]).toBe(
      'nest-resilience: the budget ledger answers again; 2 queued settlement(s) applied, 0 dropped',
    );
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0.3, reservedUsd: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a settlement that succeeds while others wait triggers their retry at once', async () => {
    const l = flaky(ledger);
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger: l, clock, logger });
    const h1 = (await g.reserve(gpt, 0.5 * USD))!;
    const h2 = (await g.reserve(gpt, 0.5 * USD))!;
    l.down = true;
    await g.settle(h1, 0.1 * USD);
    l.down = false;
    await g.settle(h2, 0.2 * USD);
    await g.idle();
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0.3 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('close() makes one last attempt, then drops (counts and logs) what is left and stops the timer', async () => {
    const l = flaky(ledger);
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger: l, clock, logger });
    const h = (await g.reserve(gpt, 0.5 * USD))!;
    l.down = true;
    await g.settle(h, 0.1 * USD);
    expect(clock.pendingTimers()).toBe(1);
    await g.close();
    expect(clock.pendingTimers()).toBe(0);
    expect(g.settlementStats()).toEqual({ pending: 0, queued: 0, dropped: 1 });
    expect(lines.at(-1)).toContain('closed with 1 settlement(s)');
    await g.idle();
  });
});

describe('retry timer and expiry during an outage', () => {
  it('the retry timer is unref()d (it never keeps the process alive)', async () => {
    const unref = jest.fn();
    const timerClock = {
      now: () => clock.now(),
      setTimeout: (fn: () => void, ms: number) => ({ id: clock.setTimeout(fn, ms), unref }),
      clearTimeout: (h: unknown) => clock.clearTimeout((h as { id: unknown }).id),
    };
    const q = new SettlementQueue<number>(() => Promise.reject(new Error('down')), timerClock, undefined);
    await q.submit(1);
    expect(unref).toHaveBeenCalledTimes(1);
    await q.close();
  });

  it('a settlement retried after its hold expired still counts its spend', async () => {
    const l = flaky(ledger);
    const g = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], { ledger: l, clock, holdMs: 5_000 });
    const h = (await g.reserve(gpt, USD))!;
    l.down = true;
    await g.settle(h, 0.4 * USD);
    await clock.advance(7_000); // the hold expired; retries at 1 s, 3 s and 7 s failed
    expect(l.failures).toBe(4);
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    l.down = false;
    await clock.advance(8_000); // the next retry, at 15 s
    await g.idle();
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0.4, reservedUsd: 0 });
  });
});

describe('SettlementQueue bound', () => {
  it('keeps at most `max` settlements; the rest are dropped and counted in the recovery line', async () => {
    let down = true;
    const applied: number[] = [];
    const q = new SettlementQueue<number>(
      (n) => (down ? Promise.reject(new Error('down')) : (applied.push(n), Promise.resolve())),
      clock,
      logger,
      2,
    );
    for (let i = 0; i < 5; i++) await q.submit(i);
    expect(q.stats()).toEqual({ pending: 2, queued: 2, dropped: 3 });
    down = false;
    await clock.advance(1_000);
    expect(applied).toEqual([0, 1]);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('2 queued settlement(s) applied, 3 dropped');
  });
});
