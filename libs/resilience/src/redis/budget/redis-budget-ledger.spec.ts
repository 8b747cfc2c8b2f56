// The Redis budget ledger against a real Redis: the shared BudgetLedger contract (virtual clock),
// then what only a shared store has: replicas sharing spend and holds, 200 concurrent reservations,
// a restart, key expiry, the Cluster hash tag, exact integers.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import type { LedgerWindow } from '../../core/store/store.js';
import {
  describeBudgetLedgerCases,
  fixedWindow,
  rollingWindow,
} from '../../core/testing-support/budget-ledger-cases.js';
import { RedisBudgetLedger, RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };
const DAY = 86_400_000;
const HOLD = 600_000;

describe('RedisBudgetLedger (real Redis)', () => {
  const t = useTestRedis();
  const keyPrefix = uniquePrefix('ledger');
  t.prefixes.push(keyPrefix);
  let store: RedisStore;
  const open = async (): Promise<RedisStore> => {
    const s = await RedisStore.create({ url: t.url, keyPrefix, logger: quiet });
    t.stores.push(s);
    return s;
  };
  beforeAll(async () => {
    store = await open();
  });

  describeBudgetLedgerCases('the BudgetLedger contract', () => ({
    make: (clock) => store.createBudgetLedger(clock),
    clock: () => new VirtualClock(),
  }));

  it('createBudgetLedger returns a RedisBudgetLedger, on the store and on its other-policy view', () => {
    const clock = new VirtualClock();
    expect(store.createBudgetLedger(clock)).toBeInstanceOf(RedisBudgetLedger);
    const view = store.withStoreErrorPolicy('fail-closed');
    expect(view.createBudgetLedger?.(clock)).toBeInstanceOf(RedisBudgetLedger);
    expect((store.createBudgetLedger(clock) as RedisBudgetLedger).available).toBe(true);
  });

  it('two stores on one Redis (two replicas) share spend, holds and markers', async () => {
    const clock = new VirtualClock();
    const a = store.createBudgetLedger(clock);
    const b = (await open()).createBudgetLedger(clock);
    const w = fixedWindow(clock, 'replicas', 100);
    expect(await a.reserve('r1', [w], 70, clock.now() + HOLD)).toEqual({ ok: true });
    expect(await b.reserve('r2', [w], 31, clock.now() + HOLD)).toEqual({ ok: false, index: 0, spent: 0, reserved: 70 });
    // b settles a's hold: it is released for both.
    expect(await b.settle('r1', [w], 50)).toEqual([{ spent: 50, reserved: 0 }]);
    expect(await a.totals([w])).toEqual([{ spent: 50, reserved: 0 }]);
    expect(await a.markOnce(w, 'warn:0.8')).toBe(true);
    expect(await b.markOnce(w, 'warn:0.8')).toBe(false);
  });

  it('200 concurrent reservations from two replicas against a limit admitting exactly N: exactly N admitted', async () => {
    const clock = new VirtualClock();
    const ledgers = [store.createBudgetLedger(clock), (await open()).createBudgetLedger(clock)];
    const N = 37;
    const amount = 1_234_567; // nano-USD
    const daily = fixedWindow(clock, 'race-daily', N * amount);
    const global = fixedWindow(clock, 'race-global', 10 * N * amount);
    const decisions = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        ledgers[i % 2]!.reserve(`call-${i}`, [global, daily], amount, clock.now() + HOLD).then((d) => ({ i, d })),
      ),
    );
    const admitted = decisions.filter((x) => x.d.ok);
    expect(admitted).toHaveLength(N);
    for (const x of decisions) if (!x.d.ok) expect(x.d).toMatchObject({ ok: false, index: 1 });
    expect(await ledgers[0]!.totals([global, daily])).toEqual([
      { spent: 0, reserved: N * amount },
      { spent: 0, reserved: N * amount },
    ]);
    // Settled to actual costs (odd integers): spent is their exact sum.
    let sum = 0;
    await Promise.all(
      admitted.map(({ i }) => {
        const actual = 1_000_003 + i * 7;
        sum += actual;
        return ledgers[(i + 1) % 2]!.settle(`call-${i}`, [global, daily], actual);
      }),
    );
    expect(await ledgers[1]!.totals([global, daily])).toEqual([
      { spent: sum, reserved: 0 },
      { spent: sum, reserved: 0 },
    ]);
  });

  it('a restart (a new store and client) keeps spend and live holds; expired holds are gone', async () => {
    const clock = new VirtualClock();
    const first = await RedisStore.create({ url: t.url, keyPrefix, logger: quiet });
    const w = rollingWindow(clock, 'restart', 1_000, 60_000, 60);
    const before = first.createBudgetLedger(clock);
    await before.settle('s', [w], 400);
    await before.reserve('long', [w], 100, clock.now() + HOLD);
    await before.reserve('short', [w], 200, clock.now() + 1_000);
    await first.close();
    const after = (await open()).createBudgetLedger(clock);
    expect(await after.totals([w])).toEqual([{ spent: 400, reserved: 300 }]);
    await clock.advance(1_000);
    expect(await after.totals([w])).toEqual([{ spent: 400, reserved: 100 }]);
  });

  it('keys: one hash tag for the whole ledger, window keys escaped, distinct; a TTL from expiresAt, only lengthened', async () => {
    const clock = new VirtualClock();
    const ownPrefix = uniquePrefix('ledger-keys');
    t.prefixes.push(ownPrefix);
    const s = await RedisStore.create({ url: t.url, keyPrefix: ownPrefix, logger: quiet });
    t.stores.push(s);
    const own = s.createBudgetLedger(clock);
    const now = clock.now();
    const braces: LedgerWindow = { key: 'tenant:{evil}', limit: 100, slotMs: 0, slots: 0, expiresAt: now + DAY };
    const escaped: LedgerWindow = { ...braces, key: 'tenant:%7Bevil%7D' };
    expect(await own.reserve('r', [braces, escaped], 10, now + HOLD)).toEqual({ ok: true });
    await own.settle('r', [escaped], 7);
    expect(await own.totals([braces, escaped])).toEqual([
      { spent: 0, reserved: 10 },
      { spent: 7, reserved: 0 },
    ]);
    const keys = (await t.admin.keys(`${ownPrefix}*`)).sort();
    expect(keys).toEqual([
      `${ownPrefix}{budgets}:tenant:%257Bevil%257D:w`,
      `${ownPrefix}{budgets}:tenant:%7Bevil%7D:e`,
      `${ownPrefix}{budgets}:tenant:%7Bevil%7D:w`,
    ]);
    // Redis Cluster hashes the text between the first `{` and the next `}`: the same for every key.
    for (const k of keys) expect(k.slice(k.indexOf('{') + 1, k.indexOf('}'))).toBe('budgets');
    // TTL: until expiresAt (a day) by the caller's clock, on the hash and the set.
    for (const k of keys) {
      const ttl = await t.admin.pttl(k);
      expect(ttl).toBeGreaterThan(DAY - 60_000);
      expect(ttl).toBeLessThanOrEqual(DAY);
    }
    // A later write with an earlier expiresAt does not shorten it; a later one lengthens it.
    const wKey = `${ownPrefix}{budgets}:tenant:%257Bevil%257D:w`;
    await own.markOnce({ ...escaped, expiresAt: now + 1_000 }, 'm');
    expect(await t.admin.pttl(wKey)).toBeGreaterThan(DAY - 60_000);
    await own.settle('x', [{ ...escaped, expiresAt: now + 2 * DAY }], 1);
    expect(await t.admin.pttl(wKey)).toBeGreaterThan(2 * DAY - 60_000);
    // A hold longer than the window's expiry keeps the keys until its end.
    const short: LedgerWindow = { key: 'short', limit: 100, slotMs: 0, slots: 0, expiresAt: now + 5_000 };
    await own.reserve('h', [short], 1, now + HOLD);
    expect(await t.admin.pttl(`${ownPrefix}{budgets}:short:e`)).toBeGreaterThan(HOLD - 60_000);
  });

  it('expired holds and slots are purged from Redis (hash fields and set members), not only uncounted', async () => {
    const clock = new VirtualClock();
    const ownPrefix = uniquePrefix('ledger-purge');
    t.prefixes.push(ownPrefix);
    const s = await RedisStore.create({ url: t.url, keyPrefix: ownPrefix, logger: quiet });
    t.stores.push(s);
    const ledger = s.createBudgetLedger(clock);
    const w: LedgerWindow = { key: 'p', limit: 1_000, slotMs: 1_000, slots: 2, expiresAt: clock.now() + DAY };
    for (let i = 0; i < 5; i++) await ledger.reserve(`h${i}`, [w], 10, clock.now() + 1_000 + i);
    await ledger.settle('x', [w], 3);
    const hash = `${ownPrefix}{budgets}:p:w`;
    const set = `${ownPrefix}{budgets}:p:e`;
    expect(await t.admin.zcard(set)).toBe(6);
    await clock.advance(10_000);
    expect(await ledger.totals([w])).toEqual([{ spent: 0, reserved: 0 }]);
    expect(await t.admin.exists(set)).toBe(0);
    expect(await t.admin.hgetall(hash)).toEqual({ spent: '0', reserved: '0' });
  });

  it('amounts are exact integers up to 2^53 - 1; bad amounts throw RangeError and leave the store up', async () => {
    const clock = new VirtualClock();
    const ledger = store.createBudgetLedger(clock) as RedisBudgetLedger;
    const w = fixedWindow(clock, 'big', Number.MAX_SAFE_INTEGER);
    expect(await ledger.settle('a', [w], 9_007_199_254_740_000)).toEqual([
      { spent: 9_007_199_254_740_000, reserved: 0 },
    ]);
    expect(await ledger.reserve('b', [w], 991, clock.now() + HOLD)).toEqual({ ok: true });
    expect(await ledger.reserve('c', [w], 1, clock.now() + HOLD)).toMatchObject({ ok: false, reserved: 991 });
    expect(await ledger.settle('b', [w], 991)).toEqual([{ spent: Number.MAX_SAFE_INTEGER, reserved: 0 }]);
    for (const bad of [1.5, -1, Number.NaN, 2 ** 53])
      await expect(ledger.reserve('d', [w], bad, clock.now() + HOLD)).rejects.toThrow(RangeError);
    await expect(ledger.settle('d', [w], 0.1)).rejects.toThrow(RangeError);
    await expect(ledger.reserve('d', [{ ...w, limit: Number.NaN }], 1, clock.now())).rejects.toThrow(RangeError);
    expect(ledger.available).toBe(true);
  });
});
