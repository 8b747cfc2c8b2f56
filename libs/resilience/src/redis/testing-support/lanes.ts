import { RateLimiterRejectedError } from '../../core/index.js';
import type { LanePlan } from '../../core/lanes/lane-plan.js';
import type { BucketBackend } from '../../core/store/store.js';
import { RedisStore } from '../redis-store.js';
import { uniquePrefix } from './redis-server.js';
import type { TestRedisSuite } from './use-test-redis.js';

/** A logger that drops everything. @internal */
export const quiet = { warn: () => undefined, log: () => undefined };

/**
 * interactive (lane 0, at most `topShare`) above batch (lane 1, the default); batch keeps
 * `reserve` of the limit free and takes at most `maxShare`. @internal
 */
export function twoLanePlan(reserve: number, maxShare = 1, topShare = 1): LanePlan {
  return {
    lanes: [
      { name: 'interactive', maxShare: topShare, floorShare: 0 },
      { name: 'batch', maxShare, floorShare: reserve },
    ],
    defaultLane: 1,
    agingMs: Infinity,
    index: new Map([
      ['interactive', 0],
      ['batch', 1],
    ]),
  };
}

/** Outcome of `acquire`: true admitted, false rejected (`RateLimiterRejectedError`). @internal */
export async function outcome(p: Promise<void> | undefined): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    if (e instanceof RateLimiterRejectedError) return false;
    throw e;
  }
}

/** `outcome` of `b.acquire(tokens, maxWaitMs, undefined, lane)`, also when it throws synchronously. @internal */
export function attempt(b: BucketBackend, tokens: number, maxWaitMs: number, lane: number): Promise<boolean> {
  try {
    return outcome(b.acquire(tokens, maxWaitMs, undefined, lane));
  } catch (e) {
    return outcome(Promise.reject(e));
  }
}

/**
 * Two stores on one fresh key prefix (two replicas, tracked by the suite) and `create(store)` in
 * each. @internal
 */
export async function twoReplicas<B>(
  t: TestRedisSuite,
  tag: string,
  create: (store: RedisStore) => B,
): Promise<{ a: B; b: B; prefix: string }> {
  const prefix = uniquePrefix(tag);
  t.prefixes.push(prefix);
  const make = async () => {
    const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    t.stores.push(s);
    return create(s);
  };
  const a = await make();
  const b = await make();
  return { a, b, prefix };
}

/**
 * Three batch waiters (lane 1, 1 token each) on replica `a`, then, once A's head has asked (30 ms),
 * an interactive one (lane 0, 2 tokens) on replica `b`: the order they were admitted in
 * (`batch<i>`, `interactive`, or `rejected`). @internal
 */
export async function leaseRace(a: BucketBackend, b: BucketBackend): Promise<string[]> {
  const order: string[] = [];
  const batch = Array.from({ length: 3 }, (_, i) =>
    outcome(a.acquire(1, 10_000, undefined, 1)).then((ok) => order.push(ok ? `batch${i}` : 'rejected')),
  );
  await new Promise((r) => setTimeout(r, 30));
  const interactive = outcome(b.acquire(2, 10_000, undefined, 0)).then((ok) =>
    order.push(ok ? 'interactive' : 'rejected'),
  );
  await Promise.all([...batch, interactive]);
  return order;
}
