import { beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { MemoryBudgetLedger } from '../../core/store/memory-budget-ledger.js';
import { BudgetExceededError, isBudgetExceededError } from '../errors/budget-exceeded.error.js';
import type { BudgetOptions } from './budget.options.js';
import { BudgetGuard, type BudgetCall, type BudgetHold } from './budget-guard.js';

const USD = 1_000_000_000;
const at = (iso: string): number => Date.parse(iso);
const gpt: BudgetCall = { model: 'gpt-4o', provider: 'openai' };
const claude: BudgetCall = { model: 'claude-sonnet-4', provider: 'anthropic' };

let clock: VirtualClock;
let ledger: MemoryBudgetLedger;

beforeEach(() => {
  clock = new VirtualClock(at('2026-12-02T12:00:00Z'));
  ledger = MemoryBudgetLedger.create({ clock });
});

function guard(budgets: BudgetOptions[], holdMs?: number): BudgetGuard {
  return BudgetGuard.create(budgets, { ledger, clock, holdMs });
}

async function refusal(p: Promise<unknown>): Promise<BudgetExceededError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isBudgetExceededError(e)) throw new Error(`expected a BudgetExceededError, got ${String(e)}`);
  return e;
}

describe('BudgetGuard.applies / mayApply', () => {
  it('global applies to every call; scoped budgets to their values only', () => {
    expect(guard([{ name: 'g', limitUsd: 1 }]).applies(gpt)).toBe(true);
    const g = guard([
      { name: 'm', limitUsd: 1, scope: 'model', appliesTo: ['gpt-4o'] },
      { name: 'p', limitUsd: 1, scope: 'provider', appliesTo: ['gemini'] },
      { name: 'k', limitUsd: 1, scope: 'key', appliesTo: ['tenant-a'] },
    ]);
    expect(g.applies(gpt)).toBe(true);
    expect(g.applies(claude)).toBe(false);
    expect(g.applies({ ...claude, key: 'tenant-b' })).toBe(false);
    expect(g.applies({ ...claude, key: 'tenant-a' })).toBe(true);
    expect(g.applies({ model: 'gemini-2.5-flash', provider: 'gemini' })).toBe(true);
    expect(g.mayApply('claude-sonnet-4', 'anthropic')).toBe(true); // a key budget may apply to any model
    const noKey = guard([
      { name: 'm', limitUsd: 1, scope: 'model', appliesTo: ['gpt-4o'] },
      { name: 'p', limitUsd: 1, scope: 'provider', appliesTo: ['gemini'] },
    ]);
    expect(noKey.mayApply('gpt-4o', 'openai')).toBe(true);
    expect(noKey.mayApply('gemini-x', 'gemini')).toBe(true);
    expect(noKey.mayApply('claude-sonnet-4', 'anthropic')).toBe(false);
    expect(guard([{ name: 'k', limitUsd: 1, scope: 'key' }]).applies(gpt)).toBe(false);
  });

  it('a call no budget covers resolves undefined with one shared promise (nothing allocated, nothing reserved)', async () => {
    const g = guard([{ name: 'm', limitUsd: 1, scope: 'model', appliesTo: ['gpt-4o'] }]);
    const a = g.reserve(claude, 10 * USD);
    expect(g.reserve(claude, 10 * USD)).toBe(a);
    expect(await a).toBeUndefined();
  });
});

describe('BudgetGuard.reserve', () => {
  it('admits up to the limit exactly and refuses beyond it, naming the budget, the numbers and the reset', async () => {
    const g = BudgetGuard.create([{ name: 'daily', limitUsd: 5, timeZone: 'Europe/Berlin' }], { ledger, clock });
    const h1 = await g.reserve(gpt, 3 * USD);
    expect(h1?.id).toEqual(expect.any(String));
    await g.settle(h1!, 4.99 * USD);
    const h2 = await g.reserve(gpt, 0.01 * USD);
    expect(h2).toBeDefined();
    const e = await refusal(g.reserve(gpt, 1));
    expect(e).toBeInstanceOf(BudgetExceededError);
    expect(e.isTransient).toBe(false);
    expect(e).toMatchObject({
      budget: 'daily',
      scope: 'global',
      scopeValue: undefined,
      limitUsd: 5,
      spentUsd: 4.99,
      reservedUsd: 0.01,
      requestedUsd: 1e-9,
      windowId: '2026-12-02',
      resetsAt: '2026-12-03T00:00:00.000+01:00',
      retryAfterMs: at('2026-12-02T23:00:00Z') - clock.now(),
    });
    expect(e.message).toBe(
      "Budget 'daily' (global) exceeded in window 2026-12-02: 4.99 of 5.00 USD spent, 0.01 reserved, 0.000000001 requested; resets at 2026-12-03T00:00:00.000+01:00",
    );
    expect(await g.status()).toEqual([expect.objectContaining({ spentUsd: 4.99, reservedUsd: 0.01, remainingUsd: 0 })]);
  });

  it('reservation ids are unique within a process and across guards', async () => {
    const a = guard([{ name: 'g', limitUsd: 1000 }]);
    const b = guard([{ name: 'g', limitUsd: 1000 }]);
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      ids.add((await a.reserve(gpt, 1))!.id);
      ids.add((await b.reserve(gpt, 1))!.id);
    }
    expect(ids.size).toBe(100);
  });

  it('several budgets: all must admit; one refusing reserves nothing anywhere', async () => {
    const g = guard([
      { name: 'daily', limitUsd: 10 },
      { name: 'gpt', limitUsd: 1, scope: 'model', appliesTo: ['gpt-4o'] },
      { name: 'tenant', limitUsd: 5, scope: 'key' },
    ]);
    await g.reserve({ ...gpt, key: 't1' }, 0.6 * USD);
    const e = await refusal(g.reserve({ ...gpt, key: 't1' }, 0.5 * USD));
    expect(e).toMatchObject({ budget: 'gpt', scope: 'model', scopeValue: 'gpt-4o', reservedUsd: 0.6 });
    const status = await g.status({ ...gpt, key: 't1' });
    expect(status.map((s) => [s.budget, s.scopeValue, s.reservedUsd])).toEqual([
      ['daily', undefined, 0.6],
      ['gpt', 'gpt-4o', 0.6],
      ['tenant', 't1', 0.6],
    ]);
    // Another model is not held back by the gpt budget, only counted by the others.
    expect(await g.reserve({ ...claude, key: 't1' }, 4 * USD)).toBeDefined();
    const byTenant = await refusal(g.reserve({ ...claude, key: 't1' }, 0.5 * USD));
    expect(byTenant).toMatchObject({ budget: 'tenant', scopeValue: 't1', reservedUsd: 4.6 });
    expect(await g.reserve({ ...claude, key: 't2' }, 0.5 * USD)).toBeDefined();
  });

  it('key, model and provider scopes keep one counter per value; appliesTo limits the values', async () => {
    const g = guard([
      { name: 'tenant', limitUsd: 1, scope: 'key', appliesTo: ['a', 'b'] },
      { name: 'provider', limitUsd: 2, scope: 'provider' },
    ]);
    expect(await g.reserve({ ...gpt, key: 'a' }, USD)).toBeDefined();
    expect(await g.reserve({ ...gpt, key: 'b' }, USD)).toBeDefined();
    await refusal(g.reserve({ ...gpt, key: 'a' }, 1));
    const e = await refusal(g.reserve({ ...gpt, key: 'c' }, 1)); // 'c' is not a counted key: only the provider budget
    expect(e).toMatchObject({ budget: 'provider', scopeValue: 'openai', reservedUsd: 2 });
    expect(await g.reserve({ ...claude, key: 'c' }, 2 * USD)).toBeDefined();
    const all = await g.status();
    expect(all.map((s) => [s.budget, s.scopeValue, s.reservedUsd])).toEqual([
      ['tenant', 'a', 1],
      ['tenant', 'b', 1],
      ['provider', 'openai', 2],
      ['provider', 'anthropic', 2],
    ]);
  });

  it('a reservation never settled expires after holdMs, so it does not block traffic', async () => {
    const g = guard([{ name: 'g', limitUsd: 1 }], 60_000);
    expect(await g.reserve(gpt, USD)).toBeDefined();
    await refusal(g.reserve(gpt, 1));
    await clock.advance(59_999);
    await refusal(g.reserve(gpt, 1));
    await clock.advance(1);
    expect(await g.reserve(gpt, USD)).toBeDefined();
  });

  it('200 concurrent reserves against a budget that admits exactly 37: 37 admitted, 163 refused', async () => {
    const g = guard([
      { name: 'g', limitUsd: 37 * 0.013 },
      { name: 'k', limitUsd: 1000, scope: 'key' },
    ]);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => g.reserve({ ...gpt, key: `t${i % 7}` }, 0.013 * USD)),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(admitted).toHaveLength(37);
    expect(refused.every((r) => isBudgetExceededError((r as PromiseRejectedResult).reason))).toBe(true);
    const [global] = await g.status();
    expect(global!.reservedUsd).toBeCloseTo(37 * 0.013, 9);
    await Promise.all(admitted.map((r) => g.settle((r as PromiseFulfilledResult<BudgetHold>).value, 0.01 * USD)));
    const after = await g.status();
    expect(Math.round(after[0]!.spentUsd * USD)).toBe(37 * 0.01 * USD);
    expect(after.filter((s) => s.budget === 'k').reduce((n, s) => n + Math.round(s.spentUsd * USD), 0)).toBe(
      37 * 0.01 * USD,
    );
  });

  it('rejects a bad amount with RangeError and the ledger error as is', async () => {
    const g = guard([{ name: 'g', limitUsd: 1 }]);
    await expect(g.reserve(gpt, -1)).rejects.toThrow(RangeError);
    await expect(g.reserve(gpt, 1.5)).rejects.toThrow(RangeError);
    const failing = BudgetGuard.create([{ name: 'g', limitUsd: 1 }], {
      clock,
      ledger: {
        reserve: () => Promise.reject(new Error('store down')),
        settle: () => Promise.resolve([]),
        totals: () => Promise.resolve([]),
        markOnce: () => Promise.resolve(true),
      },
    });
    await expect(failing.reserve(gpt, 1)).rejects.toThrow('store down');
  });
});

describe('calendar windows', () => {
  it('the window resets at local midnight of the budget zone; spend of a call counts where it was reserved', async () => {
    clock = new VirtualClock(at('2026-12-02T22:59:00Z')); // 23:59 in Berlin
    ledger = MemoryBudgetLedger.create({ clock });
    const g = guard([{ name: 'daily', limitUsd: 1, timeZone: 'Europe/Berlin' }]);
    const late = await g.reserve(gpt, 0.5 * USD);
    await g.settle((await g.reserve(gpt, 0.5 * USD))!, 0.5 * USD);
    const e = await refusal(g.reserve(gpt, 1));
    expect(e.retryAfterMs).toBe(60_000);
    await clock.advance(60_000); // 00:00 in Berlin: a new window
    const [today] = await g.status();
    expect(today).toMatchObject({ windowId: '2026-12-03', spentUsd: 0, reservedUsd: 0, remainingUsd: 1 });
    expect(today!.resetsAt).toBe('2026-12-04T00:00:00.000+01:00');
    // The call reserved yesterday settles in yesterday's window, not today's.
    await g.settle(late!, 0.4 * USD);
    expect((await g.status())[0]).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect(await g.reserve(gpt, USD)).toBeDefined();
  });

  it('a month budget resets on the 1st in its zone (leap February)', async () => {
    clock = new VirtualClock(at('2028-02-29T18:29:00Z')); // 23:59 in Kolkata
    ledger = MemoryBudgetLedger.create({ clock });
    const g = guard([{ name: 'monthly', limitUsd: 1, window: 'month', timeZone: 'Asia/Kolkata' }]);
    await g.settle((await g.reserve(gpt, USD))!, USD);
    const e = await refusal(g.reserve(gpt, 1));
    expect(e).toMatchObject({ windowId: '2028-02', resetsAt: '2028-03-01T00:00:00.000+05:30', retryAfterMs: 60_000 });
    await clock.advance(60_000);
    expect(await g.reserve(gpt, USD)).toBeDefined();
    expect((await g.status())[0]!.windowId).toBe('2028-03');
  });

  it('a rolling window frees spend once its slot leaves, resetsAt the next slot boundary', async () => {
    clock = new VirtualClock(6_000_000); // a slot boundary (slotMs 60_000)
    ledger = MemoryBudgetLedger.create({ clock });
    const g = guard([{ name: 'hourly', limitUsd: 1, window: { rollingMs: 3_600_000 } }]);
    await g.settle((await g.reserve(gpt, USD))!, USD);
    await clock.advance(30_000);
    const e = await refusal(g.reserve(gpt, 1));
    expect(e).toMatchObject({ windowId: 'rolling', retryAfterMs: 30_000, resetsAt: new Date(6_060_000).toISOString() });
    await clock.advance(3_600_000 - 30_000); // exactly rollingMs after: still counted (never early)
    await refusal(g.reserve(gpt, 1));
    await clock.advance(60_000);
    expect(await g.reserve(gpt, USD)).toBeDefined();
  });
});

describe('BudgetGuard.create', () => {
  it('validates the budgets and deps under the path', () => {
    expect(() => guard([{ name: 'a', limitUsd: 0 }])).toThrow(
      expect.objectContaining({ path: 'costs.budgets[0].limitUsd' }),
    );
    expect(() => BudgetGuard.create([], { ledger, holdMs: 10, path: 'x.costs.budgets' })).toThrow(
      expect.objectContaining({ path: 'x.costs.holdMs' }),
    );
    expect(() => BudgetGuard.create([], { ledger: {} as MemoryBudgetLedger })).toThrow(ResilienceConfigError);
  });
});
