import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { RateLimiterPolicy } from '../../core/index.js';
import { RedisStore } from '../index.js';
import {
  achievedShare,
  burst,
  maxArrivalsInWindow,
  startSlidingWindowServer,
  type SlidingWindowServer,
} from '../../core/testing-support/sliding-window-server.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const L = 300;
const W = 1000;
const CALLS = 3000;

// Real time against a server in another process: the margin (30 ms) covers the delay between an
// admission and the request's arrival, which a stall of this process (a GC pause, a loaded CI
// machine) can exceed. One retry, logged: a regression fails both runs.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

describe('sliding-window limiter on Redis against a strict sliding-window server (real Redis, real time)', () => {
  const t = useTestRedis();
  let server: SlidingWindowServer;
  beforeAll(async () => {
    server = await startSlidingWindowServer(L, W);
  });
  // Before each run, the retry included: connections open already (see the README), and the server
  // has forgotten every arrival (a retry would otherwise start against the failed run's last window).
  beforeEach(async () => {
    await server.warm(L);
  });
  afterAll(async () => {
    await server.close();
  });

  it(`${CALLS} calls submitted at once, split over two replicas, at the provider's own limit (${L} per ${W} ms): no 429, >= 95 % of the limit`, async () => {
    const prefix = uniquePrefix('window-http');
    t.prefixes.push(prefix);
    const quiet = { warn: () => undefined, log: () => undefined };
    const a = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    const b = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet });
    t.stores.push(a, b);
    // The published limit as is, with the default safety margin (30 ms), shared by both.
    const options = { algorithm: 'sliding-window', rate: L, periodMs: W, maxWaitMs: 60_000 } as const;
    const la = RateLimiterPolicy.create('provider', options, { store: a });
    const lb = RateLimiterPolicy.create('provider', options, { store: b });
    let i = 0;
    const codes = await burst(server, CALLS, (fn) => (i++ % 2 ? la : lb).execute(fn), 25_000);
    expect(codes).not.toBe('timeout');
    const counts = { ok: 0, limited: 0, other: 0 };
    for (const c of codes as number[]) counts[c === 200 ? 'ok' : c === 429 ? 'limited' : 'other']++;
    expect(counts).toEqual({ ok: CALLS, limited: 0, other: 0 });
    const { arrivals, rejected } = await server.stats();
    expect(rejected).toBe(0);
    const sorted = [...arrivals].sort((x, y) => x - y);
    expect(sorted).toHaveLength(CALLS);
    expect(maxArrivalsInWindow(sorted, W)).toBe(L);
    expect(achievedShare(sorted, L, W)).toBeGreaterThanOrEqual(0.95);
  }, 40_000);
});
