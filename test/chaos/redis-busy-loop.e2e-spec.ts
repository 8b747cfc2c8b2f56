// Issue 8, section 1, across processes: a busy event loop is not a Redis outage. Three Nest
// processes share one limiter on one Redis; one submits 3,000 calls in one tick and blocks its
// loop for 500 ms, with the store's default storeTimeoutMs (200), not raised.
import { describe, expect, it } from '@jest/globals';
import { uniquePrefix } from '../../libs/resilience/src/redis/testing-support/redis-server.js';
import { useTestRedis } from '../../libs/resilience/src/redis/testing-support/use-test-redis.js';
import { bucketBound, maxSurelyInWindow } from '../../libs/resilience/src/redis/testing-support/windows.js';
import { spawnAll, stopAll, type LimitResult } from '../support/replicas.js';
import { sharedNow } from '../support/shared-clock.js';

/** One clock for every process of the test (see shared-clock.ts). */
const now = sharedNow;
/** 3,000 calls in about 3 s; a wait of up to 20 s is allowed, so none is refused for its wait. */
const limiter = { rate: 1000, periodMs: 1000, burst: 50, maxWaitMs: 20_000 };
const breaker = { failureThreshold: 5, recoveryTimeMs: 1000, halfOpenMaxCalls: 1, successThreshold: 1 };

describe('a busy event loop across 3 processes (real Redis)', () => {
  const t = useTestRedis();

  it('one process submits 3,000 calls in one tick and stalls 500 ms: no outage anywhere, the cluster bound holds across processes', async () => {
    const keyPrefix = uniquePrefix('chaos-busy');
    t.prefixes.push(keyPrefix);
    const replicas = await spawnAll(
      [0, 1, 2].map(() => ({ url: t.url, keyPrefix, expectedReplicas: 3, limiter, breaker })),
    );
    try {
      const startAt = now() + 300;
      const endAt = startAt + 5000;
      const results = await Promise.all([
        replicas[0]!.request<LimitResult>({ cmd: 'burst', startAt, count: 3000, stallMs: 500 }, 60_000),
        ...replicas
          .slice(1)
          .map((r) => r.request<LimitResult>({ cmd: 'limit', startAt, endAt, concurrency: 4 }, 60_000)),
      ]);
      expect(results.map((r) => r.status)).toEqual([[], [], []]); // no outage event, so no local fallback
      expect(results.flatMap((r) => r.errors)).toEqual([]); // no RateLimiterRejectedError, no StoreUnavailableError
      expect(results[0]!.admitted).toHaveLength(3000);
      expect(results.every((r) => r.admitted.length > 0)).toBe(true);
      // Counted across the three processes: burst + rate × W / period in every window.
      const all = results.flatMap((r) => r.admitted);
      const windows = [20, 50, 100, 250, 500, 1000, 2000].map((w) => ({
        w,
        admitted: maxSurelyInWindow(all, w),
        bound: bucketBound(w, limiter),
      }));
      expect(windows.filter((x) => x.admitted > x.bound)).toEqual([]);
      expect(replicas.some((r) => r.crashed())).toBe(false);
    } finally {
      await stopAll(replicas);
    }
  }, 90_000);
});
