import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';
import { BUCKET_LANE_SCRIPT, BUCKET_SETTLE_SCRIPT } from './bucket-lane-script.js';

// A bucket that refills one token per 1000 s: counts in these specs do not depend on timing.
const RATE = 1;
const PERIOD = 1_000_000;
const BURST = 10;

interface Lane {
  floor: number;
  cap: number;
}
/** lane 0 interactive (no cap, no floor); lane 1 batch (floor 3 = reserve 0.3 above, cap 4). */
const LANES: Lane[] = [
  { floor: 0, cap: 0 },
  { floor: 3, cap: 4 },
];

type Reply = { mask: number; stopWait: number; capWait: number; level: number };

async function admit(
  redis: Redis,
  key: string,
  waiters: Array<[tokens: number, lane: number, rank?: number]>,
  lanes = LANES,
): Promise<Reply> {
  const args: (string | number)[] = [RATE, PERIOD, BURST, 0, 0, lanes.length, 10];
  for (const l of lanes) args.push(l.floor, l.cap);
  args.push(waiters.length);
  for (const [k, q, r] of waiters) args.push(k, q, r ?? q);
  const reply = (await redis.eval(BUCKET_LANE_SCRIPT.source, 1, key, ...args)) as [number, string, string, string];
  return { mask: reply[0], stopWait: Number(reply[1]), capWait: Number(reply[2]), level: Number(reply[3]) };
}

async function settle(redis: Redis, key: string, delta: number, lane: number, cap: number): Promise<number> {
  return Number(await redis.eval(BUCKET_SETTLE_SCRIPT.source, 1, key, RATE, PERIOD, BURST, delta, lane, cap));
}

const bits = (mask: number, n: number) => Array.from({ length: n }, (_, i) => (mask >> i) & 1);

describe('BUCKET_LANE_SCRIPT (real Redis)', () => {
  const t = useTestRedis();
  const key = (name: string) => {
    const p = uniquePrefix(`lanes-${name}`);
    t.prefixes.push(p);
    return `${p}bucket`;
  };

  it('a lane never takes the level below its floor; the lane above still gets it', async () => {
    const k = key('floor');
    const wide = [
      { floor: 0, cap: 0 },
      { floor: 3, cap: 0 },
    ];
    const batch = await admit(
      t.admin,
      k,
      Array.from({ length: 10 }, () => [1, 1] as [number, number]),
      wide,
    );
    expect(bits(batch.mask, 10)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(batch.level).toBeCloseTo(3, 3);
    expect(batch.stopWait).toBeGreaterThan(0);
    const interactive = await admit(t.admin, k, [[3, 0]], wide);
    expect(interactive.mask).toBe(1);
    expect(interactive.level).toBeCloseTo(0, 3);
  });

  it('a waiter held by its own cap is skipped (with the rest of its lane), not a stop', async () => {
    const k = key('cap');
    // batch cap 4: four admitted, the rest of lane 1 skipped; the interactive ones behind still pass
    const r = await admit(t.admin, k, [
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [1, 1],
      [2, 0],
      [1, 1],
      [2, 0],
    ]);
    expect(bits(r.mask, 9)).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 1]);
    expect(r.capWait).toBeGreaterThan(0);
    expect(r.stopWait).toBe(-1);
    expect(r.level).toBeCloseTo(2, 3);
    // the cap sub-level is in Redis: another call (another replica) cannot pass it either
    const again = await admit(t.admin, k, [[1, 1]]);
    expect(again.mask).toBe(0);
  });

  it('a stopped higher lane leases the level it needs: lower lanes keep it free until it is admitted', async () => {
    const k = key('lease');
    const wide = [
      { floor: 0, cap: 0 },
      { floor: 0, cap: 0 },
    ];
    expect((await admit(t.admin, k, [[8, 1]], wide)).mask).toBe(1); // level 2
    const head = await admit(t.admin, k, [[5, 0]], wide); // needs 5: stopped, leases x0 = 5
    expect(head.mask).toBe(0);
    const fields = await t.admin.hmget(k, 'w0', 'x0');
    expect(Number(fields[1])).toBe(5);
    // a lower lane needs 1 + 5 while the lease is live: not admitted, though 2 tokens are there
    const low = await admit(t.admin, k, [[1, 1]], wide);
    expect(low.mask).toBe(0);
    expect(low.level).toBeCloseTo(2, 3);
    // the leased lane itself is not held by its own lease
    await settle(t.admin, k, 3, 0, 0);
    const admitted = await admit(t.admin, k, [[5, 0]], wide);
    expect(admitted.mask).toBe(1);
    expect(await t.admin.hexists(k, 'w0')).toBe(0);
    await settle(t.admin, k, 1, 0, 0);
    expect((await admit(t.admin, k, [[1, 1]], wide)).mask).toBe(1); // lease gone
  });

  it('an aged waiter (rank 0) is not held by a lease of its own lane rank', async () => {
    const k = key('aged');
    const wide = [
      { floor: 0, cap: 0 },
      { floor: 0, cap: 0 },
    ];
    await admit(t.admin, k, [[8, 1]], wide);
    await admit(t.admin, k, [[5, 0]], wide); // lease rank 0
    expect((await admit(t.admin, k, [[1, 1, 0]], wide)).mask).toBe(1);
  });
});

describe('BUCKET_SETTLE_SCRIPT (real Redis)', () => {
  const t = useTestRedis();

  it('charges below zero (debt that admissions wait for) and refunds capped at burst and cap', async () => {
    const p = uniquePrefix('settle');
    t.prefixes.push(p);
    const k = `${p}bucket`;
    expect(await settle(t.admin, k, -14, 1, 4)).toBeCloseTo(-4, 3);
    expect(Number(await t.admin.hget(k, 'c1'))).toBeCloseTo(-10, 3);
    expect((await admit(t.admin, k, [[1, 0]])).mask).toBe(0);
    expect(await settle(t.admin, k, 30, 1, 4)).toBeCloseTo(BURST, 3);
    expect(Number(await t.admin.hget(k, 'c1'))).toBeCloseTo(4, 3);
    expect(await t.admin.pttl(k)).toBeGreaterThan(0);
  });

  it('concurrent settles from two clients sum exactly', async () => {
    const p = uniquePrefix('settle-sum');
    t.prefixes.push(p);
    const k = `${p}bucket`;
    const other = t.admin.duplicate();
    try {
      const calls: Promise<number>[] = [];
      for (let i = 0; i < 100; i++) calls.push(settle(i % 2 ? other : t.admin, k, i % 4 < 2 ? -0.5 : 0.25, 1, 0));
      await Promise.all(calls);
      // 50 × −0.5 + 50 × 0.25 from full (10), never capped (always below burst after the first charge)
      expect(Number(await t.admin.hget(k, 'l'))).toBeCloseTo(BURST - 12.5, 2);
    } finally {
      other.disconnect();
    }
  });
});
