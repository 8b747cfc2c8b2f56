import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RateLimiterPolicy, RateLimiterRejectedError, VirtualClock } from '../../core/index.js';
import { RedisStore, StoreUnavailableError, type StoreStatusEvent } from '../index.js';
import { BUCKET_SCRIPT } from './bucket-script.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };

describe('RedisBucket (real Redis)', () => {
  const t = useTestRedis();
  const { prefixes, stores } = t;

  async function store(extra: Record<string, unknown> = {}): Promise<{ store: RedisStore; prefix: string }> {
    const prefix = (extra.keyPrefix as string | undefined) ?? uniquePrefix('bucket');
    prefixes.push(prefix);
    const s = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, ...extra });
    stores.push(s);
    return { store: s, prefix };
  }

  it('admits the burst at once, then rejects with the wait until a token is back', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'burst',
      { rate: 10, periodMs: 1000, burst: 3, mode: 'reject' },
      { store: s },
    );
    for (let i = 0; i < 3; i++) await limiter.acquire();
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    const ra = (err as RateLimiterRejectedError).retryAfterMs;
    expect(ra).toBeGreaterThan(0);
    expect(ra).toBeLessThanOrEqual(100);
  });

  it('waiters of a store closed under them fail with StoreUnavailableError (no retry loop)', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'closing',
      { rate: 20, periodMs: 1000, burst: 1, maxWaitMs: 5000 },
      { store: s },
    );
    await limiter.acquire();
    const waiting = [limiter.acquire(), limiter.acquire()].map((p) =>
      p.then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    await s.close(); // before their re-ask timer fires (50 ms): that ask meets a closed store
    const outcomes = await Promise.all(waiting);
    for (const o of outcomes) expect(o).toBeInstanceOf(StoreUnavailableError);
  });

  it('reject mode: concurrent callers share the burst (one round trip admits a batch)', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'batch',
      { rate: 1, periodMs: 1000, burst: 40, mode: 'reject' },
      { store: s },
    );
    const results = await Promise.all(
      Array.from({ length: 41 }, () =>
        limiter.acquire().then(
          () => 'ok',
          (e: unknown) => (e as Error).name,
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(40);
    expect(results.filter((r) => r === 'RateLimiterRejectedError')).toHaveLength(1);
  });

  it('keys are prefixed and hash-tagged, with a TTL', async () => {
    const { store: s, prefix } = await store();
    const limiter = RateLimiterPolicy.create('keys', { rate: 10, periodMs: 1000 }, { store: s });
    await limiter.acquire();
    expect(s.keyOf('limiter:keys')).toBe(`${prefix}{limiter:keys}`);
    expect(await t.admin.exists(`${prefix}{limiter:keys}`)).toBe(1);
    const ttl = await t.admin.pttl(`${prefix}{limiter:keys}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1100);
  });

  it('keys stay distinct and the hash tag whole, whatever the names and partition keys hold', async () => {
    const { store: s, prefix } = await store();
    expect(s.keyOf('limiter:a{')).not.toBe(s.keyOf('limiter:a_'));
    expect(s.keyOf('limiter:a}b')).toBe(`${prefix}{limiter:a%7Db}`);
    // A limiter named `x:y` and the partition `y` of a limiter named `x` are two buckets.
    const named = RateLimiterPolicy.create(
      'x:y',
      { rate: 1, periodMs: 60_000, burst: 1, mode: 'reject' },
      { store: s },
    );
    const partitioned = RateLimiterPolicy.create(
      'x',
      { rate: 1, periodMs: 60_000, burst: 1, mode: 'reject', partitionKey: (k: string) => k },
      { store: s },
    );
    await named.acquire();
    await expect(partitioned.acquire(['y'])).resolves.toBeUndefined();
    await expect(named.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
  });

  it('two stores (two "processes") share one bucket: N admissions take at least (N - burst) / rate', async () => {
    const prefix = uniquePrefix('shared');
    const a = (await store({ keyPrefix: prefix })).store;
    const b = (await store({ keyPrefix: prefix })).store;
    const opts = { rate: 100, periodMs: 1000, burst: 2 };
    const la = RateLimiterPolicy.create('shared', opts, { store: a });
    const lb = RateLimiterPolicy.create('shared', opts, { store: b });
    const start = performance.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? la : lb).acquire()));
    const elapsed = performance.now() - start;
    // 18 tokens beyond the burst at 100/s: 180 ms at least (separate buckets would need 80 ms).
    expect(elapsed).toBeGreaterThanOrEqual(178);
  });

  it('runs on Redis time: replicas whose clocks disagree cannot break the bound', async () => {
    const prefix = uniquePrefix('skew');
    const a = (await store({ keyPrefix: prefix })).store;
    const b = (await store({ keyPrefix: prefix })).store;
    const opts = { rate: 1, periodMs: 1000, burst: 2, mode: 'reject' as const };
    const frozen = new VirtualClock(); // a replica whose clock stands still
    const ahead = new VirtualClock();
    await ahead.advance(3_600_000); // and one an hour ahead
    const la = RateLimiterPolicy.create('skew', opts, { store: a, clock: frozen });
    const lb = RateLimiterPolicy.create('skew', opts, { store: b, clock: ahead });
    await la.acquire();
    await lb.acquire();
    // The burst is spent: the clock an hour ahead refills nothing.
    await expect(lb.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    await expect(la.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    // Real time refills the bucket (one token per second), though the frozen clock never moved.
    await new Promise((r) => setTimeout(r, 1100));
    await la.acquire();
  });

  it('local waiters are admitted in FIFO order', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create('fifo', { rate: 200, periodMs: 1000, burst: 1 }, { store: s });
    const order: number[] = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => limiter.acquire().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('fails fast when the estimated wait is beyond maxWaitMs, and abort removes a waiter', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'wait',
      { rate: 1, periodMs: 1000, burst: 1, maxWaitMs: 5000 },
      { store: s },
    );
    await limiter.acquire();
    const ac = new AbortController();
    const waiting = limiter.acquire([], 1, ac.signal).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    expect(limiter.snapshot().waiting).toBe(1);
    const short = RateLimiterPolicy.create('wait', { rate: 1, periodMs: 1000, burst: 1, maxWaitMs: 100 }, { store: s });
    const err = await short.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    expect((err as RateLimiterRejectedError).retryAfterMs).toBeGreaterThan(100);
    ac.abort(new Error('gone'));
    expect(((await waiting) as Error).message).toBe('gone');
    expect(limiter.snapshot().waiting).toBe(0);
  });

  /** A store on its own client whose script calls are recorded (the calls still go to Redis). */
  async function countingStore(): Promise<{ store: RedisStore; calls: string[]; client: Redis }> {
    const prefix = uniquePrefix('calls');
    prefixes.push(prefix);
    const client = new Redis(t.url);
    const calls: string[] = [];
    const c = client as unknown as Record<'evalsha' | 'eval', (...args: unknown[]) => Promise<unknown>>;
    for (const method of ['evalsha', 'eval'] as const) {
      const real = c[method].bind(client);
      c[method] = (...args: unknown[]) => {
        calls.push(method);
        return real(...args);
      };
    }
    const s = new RedisStore({ client, keyPrefix: prefix, logger: quiet });
    stores.push(s);
    return { store: s, calls, client };
  }

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT fallback), then goes back to EVALSHA', async () => {
    const { store: s, calls, client } = await countingStore();
    await t.admin.script('LOAD', BUCKET_SCRIPT.source);
    const limiter = RateLimiterPolicy.create(
      'flush',
      { rate: 10, periodMs: 1000, burst: 3, mode: 'reject' },
      { store: s },
    );
    await limiter.acquire();
    expect(calls).toEqual(['evalsha']); // one round trip per acquire
    await t.admin.script('FLUSH');
    await limiter.acquire();
    expect(calls).toEqual(['evalsha', 'evalsha', 'eval']); // NOSCRIPT, then EVAL (which reloads it)
    await limiter.acquire();
    expect(calls).toEqual(['evalsha', 'evalsha', 'eval', 'evalsha']);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
    expect(s.available).toBe(true);
    client.disconnect();
  });

  it('a waiting caller asks again when the script says its token is there, not by polling', async () => {
    const { store: s, calls, client } = await countingStore();
    await t.admin.script('LOAD', BUCKET_SCRIPT.source);
    // One token per 250 ms: the second caller waits about 250 ms.
    const limiter = RateLimiterPolicy.create('nopoll', { rate: 4, periodMs: 1000, burst: 1 }, { store: s });
    await limiter.acquire();
    await limiter.acquire();
    // 1 for the first caller, 1 that answers "wait ~250 ms", 1 when that time has come (+1 at
    // most if rounding leaves the token a hair short). Polling every few ms would make dozens.
    expect(calls.every((c) => c === 'evalsha')).toBe(true);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(4);
    client.disconnect();
  });

  it('pauseUntil holds every caller until the pause ends', async () => {
    const { store: s } = await store();
    const limiter = RateLimiterPolicy.create(
      'pause',
      { rate: 10, periodMs: 1000, burst: 5, mode: 'reject' },
      { store: s },
    );
    await limiter.acquire();
    limiter.pauseUntil(limiter.clock.now() + 10_000);
    await new Promise((r) => setTimeout(r, 20));
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimiterRejectedError);
    // Tokens were left (4 of 5), but the pause holds them back until it ends.
    expect((err as RateLimiterRejectedError).retryAfterMs).toBeGreaterThan(5000);
  });

  describe('when Redis goes away', () => {
    let server: TestRedisServer;
    beforeAll(async () => {
      server = await startRedisServer();
    });
    afterAll(async () => {
      for (const s of stores) await s.close(); // while the server still answers: clean quits
      await server.stop();
    });

    it('fail-open: falls back to rate / expectedReplicas, reports the outage once, resumes after restart', async () => {
      const events: StoreStatusEvent[] = [];
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('fo'),
        logger: quiet,
        expectedReplicas: 2,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
        onStoreStatus: (e) => events.push(e),
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create(
        'fo',
        { rate: 10, periodMs: 1000, burst: 4, mode: 'reject' },
        { store: s },
      );
      await limiter.acquire();
      await server.stop();
      // Local share: rate 10 / 2 replicas, burst 4 / 2 = 2 tokens, starting EMPTY (the shared
      // bucket may have been drained just before): the first caller is refused with the wait
      // for the share's first token (200 ms at 5/s)...
      const first = await limiter.acquire().catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RateLimiterRejectedError);
      expect((first as RateLimiterRejectedError).retryAfterMs).toBeLessThanOrEqual(200);
      // ...and once the share has refilled (capped at its burst of 2): two, then refusals.
      await new Promise((r) => setTimeout(r, 600));
      const results: string[] = [];
      for (let i = 0; i < 3; i++)
        results.push(
          await limiter.acquire().then(
            () => 'ok',
            (e: unknown) => (e as Error).name,
          ),
        );
      expect(results).toEqual(['ok', 'ok', 'RateLimiterRejectedError']);
      expect(s.available).toBe(false);
      expect(events.map((e) => e.type)).toEqual(['store.down']);
      await server.start();
      for (let i = 0; i < 100 && !s.available; i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => e.type)).toEqual(['store.down', 'store.up']);
      // After the grace period (probeIntervalMs + storeTimeoutMs = 150 ms, 2 replicas), the
      // first shared call drains the restarted (hence full) key: tokens taken locally must not
      // add up with a full bucket. It refills at the shared rate (a token per 100 ms).
      await new Promise((r) => setTimeout(r, 200));
      await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
      await new Promise((r) => setTimeout(r, 150));
      await limiter.acquire();
      const client = new Redis(server.url);
      expect(await client.exists(s.keyOf('limiter:fo'))).toBe(1);
      client.disconnect();
    });

    it('a Redis that stops answering (CLIENT PAUSE) costs about storeTimeoutMs + one PING, then the fallback answers', async () => {
      const events: StoreStatusEvent[] = [];
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('slow'),
        logger: quiet,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
        onStoreStatus: (e) => events.push(e),
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create(
        'slow',
        { rate: 10, periodMs: 1000, burst: 4, mode: 'reject' },
        { store: s },
      );
      await limiter.acquire();
      const pauser = new Redis(server.url);
      // Paused 20 × storeTimeoutMs: without the timeout the acquire would wait for the pause to end.
      await pauser.call('CLIENT', 'PAUSE', '2000', 'ALL');
      // Refused by the local share (it starts empty) once the store call and its confirming
      // PING time out: the caller did not wait for the pause to end.
      await expect(limiter.acquire()).rejects.toBeInstanceOf(RateLimiterRejectedError);
      expect(s.available).toBe(false);
      expect(events.map((e) => e.type)).toEqual(['store.down']);
      expect(events[0]!.error).toContain('no answer within 100 ms');
      for (let i = 0; i < 100 && !s.available; i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => e.type)).toEqual(['store.down', 'store.up']);
      pauser.disconnect();
    });

    it('fail-closed: rejects with StoreUnavailableError while down, then works again', async () => {
      const s = await RedisStore.create({
        url: server.url,
        keyPrefix: uniquePrefix('fc'),
        logger: quiet,
        onStoreError: 'fail-closed',
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
      });
      stores.push(s);
      const limiter = RateLimiterPolicy.create('fc', { rate: 10, periodMs: 1000, burst: 4 }, { store: s });
      await limiter.acquire();
      await server.stop();
      const first = await limiter.acquire().catch((e: unknown) => e);
      const second = await limiter.acquire().catch((e: unknown) => e);
      expect(first).toBeInstanceOf(StoreUnavailableError);
      expect(second).toBeInstanceOf(StoreUnavailableError);
      expect((second as StoreUnavailableError).isTransient).toBe(true);
      expect((second as StoreUnavailableError).message).not.toContain('redis://');
      await server.start();
      for (let i = 0; i < 100 && !s.available; i++) await new Promise((r) => setTimeout(r, 50));
      await limiter.acquire();
      expect(s.available).toBe(true);
    });
  });
});
