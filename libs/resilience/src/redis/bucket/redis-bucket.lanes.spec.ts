import { describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy, systemClock } from '../../core/index.js';
import type { BucketBackend, BucketSpec } from '../../core/store/store.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { attempt, leaseRace, outcome, quiet, twoLanePlan, twoReplicas } from '../testing-support/lanes.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

describe('RedisBucket lanes across replicas (real Redis)', () => {
  const t = useTestRedis();

  /** Two stores on one key prefix (two replicas) and the same bucket in each. */
  async function replicas(spec: BucketSpec): Promise<{ a: BucketBackend; b: BucketBackend; key: string }> {
    const owner = { policy: 'lanes', key: 'bucket:lanes' };
    const { a, b, prefix } = await twoReplicas(t, 'lanes', (s) => s.createBucket(owner, spec, systemClock));
    return { a, b, key: (await t.admin.keys(`${prefix}*`))[0] ?? '' };
  }

  // One token per 100 s: the counts below cannot depend on timing.
  const slow = { rate: 1, periodMs: 100_000, burst: 10 };

  it('a batch lane saturating from replica A never takes the floor: an interactive call on B is admitted at once', async () => {
    const { a, b } = await replicas({ ...slow, lanes: twoLanePlan(0.3) });
    const batch = await Promise.all(Array.from({ length: 12 }, () => attempt(a, 1, 0, 1)));
    expect(batch.filter(Boolean)).toHaveLength(7); // 10 − floor 3
    // reject mode (maxWaitMs 0): admitted only if its first script call admits it
    expect(await attempt(b, 3, 0, 0)).toBe(true);
    expect(await attempt(b, 1, 0, 0)).toBe(false); // the floor was the interactive lane's, now used
  });

  it("a lane's cap holds across both replicas; the other lane is not held back by it", async () => {
    const { a, b } = await replicas({ ...slow, lanes: twoLanePlan(0, 0.4) });
    const runs = await Promise.all([
      ...Array.from({ length: 8 }, () => attempt(a, 1, 0, 1)),
      ...Array.from({ length: 8 }, () => attempt(b, 1, 0, 1)),
    ]);
    expect(runs.filter(Boolean)).toHaveLength(4); // 0.4 × 10, both replicas together
    const interactive = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(i % 2 ? a : b, 1, 0, 0)));
    expect(interactive.filter(Boolean)).toHaveLength(6); // the rest of the level
  });

  it("lease: B's interactive waiter is admitted before A's batch waiters queued earlier", async () => {
    // 5 tokens/s (one per 200 ms), burst 4, no floor: only the lease keeps A's batch off the tokens B waits for.
    const { a, b } = await replicas({ rate: 5, periodMs: 1000, burst: 4, lanes: twoLanePlan(0) });
    expect(await attempt(a, 4, 0, 1)).toBe(true); // empty now
    const order = await leaseRace(a, b); // A's head asks first (and waits), then B's interactive waiter
    expect(order[0]).toBe('interactive');
    expect(order).toHaveLength(4);
    expect(order).not.toContain('rejected');
  });

  it('settle with estimates 50% low keeps the actual tokens within burst + rate × elapsed + one excess', async () => {
    const spec = { rate: 20, periodMs: 1000, burst: 10 };
    const { a, b } = await replicas(spec);
    const started = Date.now();
    let actual = 0;
    // Two replicas, each: reserve 2, use 4, settle at once. Bounded: 2 × 40 calls at most.
    await Promise.all(
      [a, b].map(async (r) => {
        for (let i = 0; i < 40 && Date.now() - started < 1000; i++) {
          if (!(await attempt(r, 2, 5000, 0))) continue;
          actual += 4;
          r.settle(2, 4, 0, 0);
        }
      }),
    );
    const elapsed = Date.now() - started;
    // Each replica has at most one call's excess (2) not yet charged when it is admitted again.
    expect(actual).toBeLessThanOrEqual(spec.burst + (spec.rate * elapsed) / spec.periodMs + 2 * 2);
    expect(actual).toBeGreaterThanOrEqual(spec.burst); // it did run
  });

  it('concurrent settles from two replicas sum exactly (one atomic script each)', async () => {
    const { a, b, key } = await replicas({ ...slow, lanes: twoLanePlan(0, 0.5) });
    expect(await attempt(a, 1, 0, 1)).toBe(true); // creates the key: level 9, batch cap 4
    for (let i = 0; i < 50; i++) {
      a.settle(1, 1.5, 0, 1); // charge 0.5
      b.settle(1, 1.25, 0, 1); // charge 0.25
    }
    const k = key === '' ? (await t.admin.keys(`${t.prefixes.at(-1)}*`))[0]! : key;
    let level = NaN;
    for (let i = 0; i < 100; i++) {
      level = Number(await t.admin.hget(k, 'l'));
      if (level <= 9 - 37.5 + 0.01) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(level).toBeCloseTo(9 - 37.5, 2); // debt: below zero, every charge counted once
    expect(Number(await t.admin.hget(k, 'c1'))).toBeCloseTo(4 - 37.5, 2);
    expect(await attempt(b, 1, 0, 0)).toBe(false); // the debt holds every lane
  });

  it('through RateLimiterPolicy: lanes by name reach the Redis script (the cap is held in Redis)', async () => {
    const prefix = uniquePrefix('lanes-policy');
    t.prefixes.push(prefix);
    const options = {
      rate: 1,
      periodMs: 100_000,
      burst: 10,
      mode: 'reject' as const,
      lanes: [
        { name: 'interactive', reserve: 0.2 },
        { name: 'batch', maxShare: 0.5 },
      ],
      defaultLane: 'batch',
    };
    const limiters = await Promise.all(
      [0, 1].map(async () => {
        const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
        t.stores.push(s);
        return RateLimiterPolicy.create('lanes-policy', options, { store: s });
      }),
    );
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, i) => outcome(limiters[i % 2]!.acquire([], 1))), // default lane: batch
    );
    expect(runs.filter(Boolean)).toHaveLength(5); // cap 0.5 × 10 across both replicas
    const top = await Promise.all(
      Array.from({ length: 6 }, (_, i) => outcome(limiters[i % 2]!.acquire([], 1, undefined, 'interactive'))),
    );
    expect(top.filter(Boolean)).toHaveLength(5);
    const [key] = await t.admin.keys(`${prefix}*`);
    expect(Number(await t.admin.hget(key!, 'c1'))).toBeCloseTo(0, 3);
  });
});
