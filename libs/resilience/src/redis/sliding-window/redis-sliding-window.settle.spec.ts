import { describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError, systemClock } from '../../core/index.js';
import type { BucketBackend } from '../../core/store/store.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

/** true admitted, false rejected (reject mode: decided by the first script call). */
async function admitted(w: BucketBackend, tokens: number): Promise<boolean> {
  try {
    await w.acquire(tokens, 0);
    return true;
  } catch (e) {
    if (e instanceof RateLimiterRejectedError) return false;
    throw e;
  }
}

describe('RedisSlidingWindow.settle (real Redis)', () => {
  const t = useTestRedis();
  // A minute-long window: nothing leaves it during a spec.
  const spec = { limit: 10, windowMs: 60_000, safetyMarginMs: 100 };

  async function replicas(): Promise<{ a: BucketBackend; b: BucketBackend; counted: () => Promise<number> }> {
    const prefix = uniquePrefix('sw-settle');
    t.prefixes.push(prefix);
    const owner = { policy: 'sw-settle', key: 'window' };
    const make = async () => {
      const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
      t.stores.push(s);
      return s.createSlidingWindow(owner, spec, systemClock);
    };
    const a = await make();
    const b = await make();
    const counted = async () => {
      const [key] = await t.admin.keys(`${prefix}*`);
      const [c, base] = await t.admin.hmget(key!, 'c', 'B');
      return Number(c) - Number(base ?? 0);
    };
    return { a, b, counted };
  }

  /** Polls (bounded) until the window counts `expected` (settle is fire and forget). */
  async function until(counted: () => Promise<number>, expected: number): Promise<number> {
    let n = NaN;
    for (let i = 0; i < 100; i++) {
      n = await counted();
      if (Math.abs(n - expected) < 1e-6) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    return n;
  }

  it('a refund frees the difference for every replica while the admission is in the window', async () => {
    const { a, b, counted } = await replicas();
    expect(await admitted(a, 4)).toBe(true);
    expect(await admitted(a, 4)).toBe(true);
    a.settle(4, 2, 10);
    expect(await until(counted, 6)).toBeCloseTo(6, 6);
    expect(await admitted(b, 5)).toBe(false);
    expect(await admitted(b, 4)).toBe(true);
  });

  it('no refund once the admission has left the window (heldMs ≥ window + margin)', async () => {
    const { a, counted } = await replicas();
    expect(await admitted(a, 8)).toBe(true);
    a.settle(8, 0, spec.windowMs + spec.safetyMarginMs);
    expect(await admitted(a, 3)).toBe(false); // A's connection: a refund would have run first
    expect(await counted()).toBeCloseTo(8, 6);
  });

  it('a charge is counted at once, beyond the limit (debt), and holds every replica', async () => {
    const { a, b, counted } = await replicas();
    expect(await admitted(a, 2)).toBe(true);
    a.settle(2, 14, 10);
    expect(await until(counted, 14)).toBeCloseTo(14, 6);
    expect(await admitted(b, 1)).toBe(false);
  });

  it('concurrent settles from two replicas sum exactly', async () => {
    const { a, b, counted } = await replicas();
    expect(await admitted(a, 10)).toBe(true);
    for (let i = 0; i < 40; i++) {
      a.settle(1, 1.5, 10); // +0.5
      b.settle(1, 1.25, 10); // +0.25
      if (i % 4 === 0) b.settle(1, 0.5, 10); // −0.5 (from the oldest entries)
    }
    expect(await until(counted, 10 + 40 * 0.75 - 10 * 0.5)).toBeCloseTo(35, 6);
  });
});
