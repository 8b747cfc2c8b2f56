import { describe, expect, it } from '@jest/globals';
import { systemClock } from '../../core/index.js';
import type { BucketBackend, SlidingWindowSpec } from '../../core/store/store.js';
import { attempt, leaseRace, outcome, twoLanePlan, twoReplicas } from '../testing-support/lanes.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';
import { maxSurelyInWindow } from '../testing-support/windows.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('RedisSlidingWindow lanes across replicas (real Redis)', () => {
  const t = useTestRedis();

  /** Two stores on one key prefix (two replicas) and the same sliding window in each. */
  function replicas(spec: SlidingWindowSpec): Promise<{ a: BucketBackend; b: BucketBackend; prefix: string }> {
    const owner = { policy: 'sw-lanes', key: 'window:lanes' };
    return twoReplicas(t, 'sw-lanes', (s) => s.createSlidingWindow(owner, spec, systemClock));
  }

  // A 100 s window: nothing leaves it during a test, the counts cannot depend on timing.
  const long = { limit: 10, windowMs: 100_000, safetyMarginMs: 10 };

  it('a batch lane saturating from replica A stops at limit − floor: an interactive call on B is admitted on its first round trip', async () => {
    const { a, b } = await replicas({ ...long, lanes: twoLanePlan(0.3) });
    const batch = await Promise.all(Array.from({ length: 12 }, () => attempt(a, 1, 0, 1)));
    expect(batch.filter(Boolean)).toHaveLength(7); // 10 − floor 3
    expect(await attempt(b, 1, 0, 1)).toBe(false); // B's batch is held by the floor too
    // reject mode (maxWaitMs 0): admitted only if its first script call admits it
    expect(await attempt(b, 3, 0, 0)).toBe(true);
    expect(await attempt(b, 1, 0, 0)).toBe(false); // the floor was the interactive lane's, now used
  });

  it("a lane's cap holds across both replicas; the other lane is not held back by it", async () => {
    // The capped lane is the top one: its waiters come first in each replica's walk, and once
    // skipped on their cap the batch waiters behind them are still admitted.
    const { a, b } = await replicas({ ...long, lanes: twoLanePlan(0, 1, 0.4) });
    const runs = await Promise.all(
      Array.from({ length: 16 }, (_, i) => attempt(i % 2 ? a : b, 1, 0, i % 4 < 2 ? 0 : 1)),
    );
    expect(runs.filter((ok, i) => ok && i % 4 < 2)).toHaveLength(4); // 0.4 × 10, both replicas together
    expect(runs.filter((ok, i) => ok && i % 4 >= 2)).toHaveLength(6); // the rest of the limit
  });

  it('the cap holds in every window while both replicas saturate the batch lane (admission times per lane)', async () => {
    const spec = { limit: 10, windowMs: 400, safetyMarginMs: 20, lanes: twoLanePlan(0.2, 0.5) };
    const { a, b } = await replicas(spec);
    const times: Record<'batch' | 'interactive', number[]> = { batch: [], interactive: [] };
    const until = Date.now() + 1500;
    // Per replica 4 batch loops and one interactive loop; bounded by the time and 200 turns each.
    const loop = async (w: BucketBackend, lane: number, pauseMs: number) => {
      for (let i = 0; i < 200 && Date.now() < until; i++) {
        if (await attempt(w, 1, 2000, lane)) (lane === 0 ? times.interactive : times.batch).push(Date.now());
        if (pauseMs > 0) await sleep(pauseMs);
      }
    };
    await Promise.all([a, b].flatMap((w) => [...Array.from({ length: 4 }, () => loop(w, 1, 0)), loop(w, 0, 60)]));
    const batch = times.batch.map((x) => [x, x] as const);
    const all = [...times.batch, ...times.interactive].map((x) => [x, x] as const);
    expect(times.batch.length).toBeGreaterThan(10); // it ran several windows
    expect(times.interactive.length).toBeGreaterThan(5);
    expect(maxSurelyInWindow(batch, spec.windowMs)).toBeLessThanOrEqual(5); // 0.5 × 10 in any window
    expect(maxSurelyInWindow(all, spec.windowMs)).toBeLessThanOrEqual(10);
  });

  it("lease: B's interactive waiter is admitted before A's batch waiters queued earlier", async () => {
    // limit 4, no floor: only the lease keeps A's batch off the tokens B waits for.
    const { a, b } = await replicas({ limit: 4, windowMs: 600, safetyMarginMs: 10, lanes: twoLanePlan(0) });
    for (let i = 0; i < 4; i++) {
      expect(await attempt(a, 1, 0, 1)).toBe(true); // four entries 50 ms apart: they leave one by one
      await sleep(50);
    }
    const order = await leaseRace(a, b); // A's head asks first (and waits), then B's interactive waiter
    expect(order[0]).toBe('interactive');
    expect(order).toHaveLength(4);
    expect(order).not.toContain('rejected');
  });

  it("a new interactive head asks at once while the batch head waits on its cap (not after the batch's wait)", async () => {
    const { a } = await replicas({ ...long, lanes: twoLanePlan(0, 0.3) });
    for (let i = 0; i < 3; i++) expect(await attempt(a, 1, 0, 1)).toBe(true); // the batch cap (3) is used
    const abort = new AbortController();
    const held = outcome(a.acquire(1, 200_000, abort.signal, 1)).catch(() => false); // ~100 s on its cap
    await sleep(30); // its answer came: the queue's timer is armed for the cap's wait
    const first = await Promise.race([outcome(a.acquire(1, 5_000, undefined, 0)), sleep(2_000).then(() => 'late')]);
    expect(first).toBe(true);
    abort.abort();
    await held;
  });

  it('settle charges and refunds count in the lane: the cap sees them (atomically, in the log)', async () => {
    const { a, b } = await replicas({ ...long, lanes: twoLanePlan(0, 0.5) });
    expect(await attempt(a, 2, 0, 1)).toBe(true);
    a.settle(2, 4, 0, 1); // +2 in lane batch: 4 of its 5
    expect(await attempt(b, 2, 0, 1)).toBe(false);
    expect(await attempt(b, 1, 0, 1)).toBe(true); // 5 of 5
    b.settle(1, 0, 0, 1); // refund 1: 4 of 5
    expect(await attempt(a, 1, 0, 1)).toBe(true);
    expect(await attempt(a, 1, 0, 1)).toBe(false);
    expect(await attempt(b, 5, 0, 0)).toBe(true); // 10 counted: the interactive lane had the rest
    expect(await attempt(b, 1, 0, 0)).toBe(false);
  });

  it('aging: an aged batch waiter goes before interactive waiters queued after it (rank 0)', async () => {
    const aged = { ...twoLanePlan(0), agingMs: 100 };
    const { a } = await replicas({ limit: 2, windowMs: 400, safetyMarginMs: 10, lanes: aged });
    expect(await attempt(a, 2, 0, 0)).toBe(true);
    const order: string[] = [];
    const first = outcome(a.acquire(2, 10_000, undefined, 1)).then(() => order.push('batch'));
    await sleep(150); // aged by now
    const later = outcome(a.acquire(2, 10_000, undefined, 0)).then(() => order.push('interactive'));
    await Promise.all([first, later]);
    expect(order).toEqual(['batch', 'interactive']);
  });

  it('without lanes the hash holds no lane field (the old script runs)', async () => {
    const { a, prefix } = await replicas(long);
    expect(await attempt(a, 3, 0, 0)).toBe(true);
    const [key] = await t.admin.keys(`${prefix}*`);
    const fields = await t.admin.hkeys(key!);
    expect(fields.filter((f) => /^[abwxq]/.test(f))).toEqual([]);
    expect(Number(await t.admin.hget(key!, 'c'))).toBe(3);
  });
});
