import { describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  VirtualClock,
  type CircuitBreakerOptions,
} from '../../core/index.js';
import { RedisStore, StoreUnavailableError } from '../index.js';
import { startRedisServer, uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const boom = () => Promise.reject(new Error('boom'));

/** Polls `check` (bounded: 100 × 20 ms) and returns its last value; never a fixed sleep. */
async function eventually<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  let value = read();
  for (let i = 0; i < 100 && !done(value); i++) {
    await sleep(20);
    value = read();
  }
  return value;
}

describe('RedisBreaker (real Redis)', () => {
  const t = useTestRedis();
  const { prefixes, stores } = t;

  /** `n` stores on one prefix: one per simulated process. */
  async function cluster(n: number, extra: Record<string, unknown> = {}): Promise<RedisStore[]> {
    const prefix = uniquePrefix('breaker');
    prefixes.push(prefix);
    const out: RedisStore[] = [];
    for (let i = 0; i < n; i++)
      out.push(await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20, ...extra }));
    stores.push(...out);
    return out;
  }

  function breakers(list: RedisStore[], name: string, options: CircuitBreakerOptions): CircuitBreakerPolicy[] {
    return list.map((store) => CircuitBreakerPolicy.create(name, options, { store }));
  }

  /** Polls one field of a Redis hash until it has `value` (bounded: 100 × 20 ms). */
  async function fieldBecomes(key: string, field: string, value: string): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      if ((await t.admin.hget(key, field)) === value) return true;
      await sleep(20);
    }
    return false;
  }

  it('failures in one process open the breaker for all', async () => {
    const [a, b, c] = breakers(await cluster(3), 'open-all', { failureThreshold: 3, recoveryTimeMs: 10_000 });
    for (let i = 0; i < 3; i++) await expect(a!.execute(boom)).rejects.toThrow('boom');
    expect(a!.state()).toBe('open'); // its own failures open it locally at once
    for (const other of [b!, c!]) {
      const err = await other.execute(() => 'ran').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CircuitBreakerOpenError);
      expect((err as CircuitBreakerOpenError).retryAfterMs).toBeGreaterThan(9000);
    }
  });

  it('recovery admits exactly halfOpenMaxCalls trials across processes, then closes for all', async () => {
    const list = breakers(await cluster(3), 'trials', {
      failureThreshold: 1,
      recoveryTimeMs: 150,
      halfOpenMaxCalls: 2,
      successThreshold: 2,
    });
    await expect(list[0]!.execute(boom)).rejects.toThrow('boom');
    await sleep(170); // the recovery time (150 ms) passes
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    let rejected = 0;
    const calls = Array.from({ length: 30 }, (_, i) =>
      list[i % 3]!.execute(async () => {
        started++;
        await gate;
        return 'ok';
      }).then(
        (v) => v,
        (e: unknown) => {
          rejected++;
          return e;
        },
      ),
    );
    // Every call has been decided (started or rejected) while the trials hold.
    await eventually(
      () => started + rejected,
      (n) => n === 30,
    );
    expect(started).toBe(2);
    release();
    const results = await Promise.all(calls);
    expect(results.filter((r) => r === 'ok')).toHaveLength(2);
    const refusals = results.filter((r) => r instanceof CircuitBreakerOpenError) as CircuitBreakerOpenError[];
    expect(refusals).toHaveLength(28);
    expect(refusals.every((e) => e.state === 'half_open')).toBe(true);
    // state() re-reads in the background once the cache is older than breakerSyncMs (20 ms).
    expect(
      await eventually(
        () => list.map((b) => b.state()).join(),
        (v) => v === 'closed,closed,closed',
      ),
    ).toBe('closed,closed,closed');
    expect(await list[2]!.execute(() => 'again')).toBe('again');
  });

  it('a failed trial re-opens the breaker for a full recovery time, for every process', async () => {
    const list = await cluster(2);
    const [a, b] = breakers(list, 'trial-fail', { failureThreshold: 1, recoveryTimeMs: 1000 });
    const key = list[0]!.keyOf('breaker:trial-fail');
    await expect(a!.execute(boom)).rejects.toThrow('boom');
    expect(await fieldBecomes(key, 's', '1')).toBe(true);
    const firstOpen = Number(await t.admin.hget(key, 'o'));
    await sleep(1050); // the recovery time passes
    await expect(b!.execute(boom)).rejects.toThrow('boom'); // b's trial fails
    const own = await b!.execute(() => 'x').catch((e: unknown) => e);
    expect(own).toBeInstanceOf(CircuitBreakerOpenError);
    expect((own as CircuitBreakerOpenError).state).toBe('open');
    // Re-opened in Redis at the trial's failure (server time), so for a whole recovery time.
    expect(await fieldBecomes(key, 's', '1')).toBe(true);
    expect(Number(await t.admin.hget(key, 'o'))).toBeGreaterThanOrEqual(firstOpen + 1000);
    // a learns it from Redis (its cache is older than breakerSyncMs: the admission asks).
    await sleep(25);
    const other = await a!.execute(() => 'x').catch((e: unknown) => e);
    expect(other).toBeInstanceOf(CircuitBreakerOpenError);
    expect((other as CircuitBreakerOpenError).state).toBe('open');
    expect(a!.snapshot().state).toBe('open');
  });

  it('the closed success path makes no round trip per call', async () => {
    const prefix = uniquePrefix('cache');
    prefixes.push(prefix);
    const client = new Redis(t.url);
    let evals = 0;
    const evalsha = client.evalsha.bind(client);
    (client as unknown as { evalsha: (...a: unknown[]) => unknown }).evalsha = (...args: unknown[]) => {
      evals++;
      return (evalsha as (...a: unknown[]) => unknown)(...args);
    };
    const store = new RedisStore({ client, keyPrefix: prefix, logger: quiet, breakerSyncMs: 60_000 });
    const breaker = CircuitBreakerPolicy.create('cached', { failureThreshold: 5 }, { store });
    for (let i = 0; i < 100; i++) expect(await breaker.execute(() => i)).toBe(i);
    expect(evals).toBe(1); // the first admission reads the state; the next 99 use the cache
    await store.close();
    expect(client.status).toBe('ready'); // a client passed in is not closed by the store
    client.disconnect();
  });

  it('staleness bound: a cache older than breakerSyncMs is re-read before the call is decided', async () => {
    // The cache age runs on a virtual clock; Redis keeps its own (real) time for the state.
    const clock = new VirtualClock();
    const [sa, sb] = await cluster(2, { breakerSyncMs: 1000 });
    const options = { failureThreshold: 5, recoveryTimeMs: 60_000 };
    const a = CircuitBreakerPolicy.create('stale', options, { store: sa!, clock });
    const b = CircuitBreakerPolicy.create('stale', options, { store: sb! });
    expect(await a.execute(() => 1)).toBe(1); // a reads the shared state (closed) at t = 0
    b.forceOpen();
    expect(await fieldBecomes(sb!.keyOf('breaker:stale'), 'f', '1')).toBe(true); // b's write landed
    await clock.advance(400);
    // Younger than breakerSyncMs / 2: answered from the cache, no round trip (the bound allows it).
    expect(await a.execute(() => 2)).toBe(2);
    await clock.advance(600);
    // As old as breakerSyncMs: the call waits for Redis and sees b's transition.
    const err = await a.execute(() => 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitBreakerOpenError);
    expect(a.state()).toBe('open');
  });

  it('breakerSyncMs: 0 turns the cache off: every admission asks Redis', async () => {
    const [sa, sb] = await cluster(2, { breakerSyncMs: 0 });
    const a = CircuitBreakerPolicy.create('nocache', {}, { store: sa! });
    const b = CircuitBreakerPolicy.create('nocache', {}, { store: sb! });
    expect(await a.execute(() => 1)).toBe(1);
    b.forceOpen();
    expect(await fieldBecomes(sb!.keyOf('breaker:nocache'), 'f', '1')).toBe(true);
    await expect(a.execute(() => 2)).rejects.toBeInstanceOf(CircuitBreakerOpenError);
  });

  it('an opening made here is not ended by an earlier reset (the hash keeps its manual flag until the next transition)', async () => {
    // The chaos suite's case: a reset, then this process trips on its own count while the shared
    // count is lower (another process's success reset it): Redis stays closed, flag still set.
    const list = await cluster(2, { breakerSyncMs: 60_000 });
    const [a, b] = breakers(list, 'old-reset', { failureThreshold: 3, recoveryTimeMs: 30_000 });
    const key = list[0]!.keyOf('breaker:old-reset');
    expect(await a!.execute(() => 1)).toBe(1);
    a!.reset();
    expect(await fieldBecomes(key, 'm', '1')).toBe(true);
    for (let i = 0; i < 2; i++) await expect(a!.execute(boom)).rejects.toThrow('boom');
    expect(await fieldBecomes(key, 'c', '2')).toBe(true);
    expect(await b!.execute(() => 2)).toBe(2); // b learns c = 2 and reports its success: c = 0
    expect(await fieldBecomes(key, 'c', '0')).toBe(true);
    await expect(a!.execute(boom)).rejects.toThrow('boom'); // a's third in a row: open here
    expect(a!.state()).toBe('open');
    expect(await fieldBecomes(key, 'c', '1')).toBe(true); // Redis: closed, c = 1, m = 1
    expect(
      await eventually(
        () => a!.state(),
        (v) => v !== 'open',
      ),
    ).toBe('open');
  });

  it('forceOpen and reset are shared', async () => {
    const [a, b] = breakers(await cluster(2), 'manual', {});
    expect(await b!.execute(() => 1)).toBe(1);
    a!.forceOpen();
    expect(
      await eventually(
        () => b!.state(),
        (v) => v === 'open',
      ),
    ).toBe('open');
    expect(b!.snapshot().forcedOpen).toBe(true);
    a!.reset();
    expect(
      await eventually(
        () => b!.state(),
        (v) => v === 'closed',
      ),
    ).toBe('closed');
  });

  it('fail-closed rejects with StoreUnavailableError; fail-open decides locally; both resume', async () => {
    const server = await startRedisServer();
    try {
      const opts = {
        keyPrefix: uniquePrefix('down'),
        logger: quiet,
        storeTimeoutMs: 100,
        probeIntervalMs: 50,
        breakerSyncMs: 0,
      };
      const closed = await RedisStore.create({ url: server.url, onStoreError: 'fail-closed', ...opts });
      const open = await RedisStore.create({ url: server.url, ...opts });
      stores.push(closed, open);
      const bc = CircuitBreakerPolicy.create('down', { failureThreshold: 2 }, { store: closed });
      const bo = CircuitBreakerPolicy.create('down', { failureThreshold: 2 }, { store: open });
      expect(await bc.execute(() => 1)).toBe(1);
      expect(await bo.execute(() => 1)).toBe(1);
      await server.stop();
      // The closed-state cache answers until the outage is detected (a store call fails or
      // times out after storeTimeoutMs); from then on the failure policy applies.
      await bc.execute(() => 'ran').catch(() => undefined);
      await bo.execute(() => 'ran').catch(() => undefined);
      expect(
        await eventually(
          () => closed.available || open.available,
          (up) => !up,
        ),
      ).toBe(false);
      const results = [] as unknown[];
      for (let i = 0; i < 3; i++) results.push(await bc.execute(() => 'ran').catch((e: unknown) => e));
      expect(results.every((r) => r instanceof StoreUnavailableError)).toBe(true);
      // Local fallback: two failures open it in this process.
      const local: unknown[] = [];
      for (let i = 0; i < 3; i++) local.push(await bo.execute(boom).catch((e: unknown) => (e as Error).name));
      expect(local).toEqual(['Error', 'Error', 'CircuitBreakerOpenError']);
      await server.start();
      for (let i = 0; i < 100 && !(closed.available && open.available); i++) await sleep(50);
      expect(await bc.execute(() => 'back')).toBe('back');
      // The fallback opened during the outage: refused until its recovery time is up (README, "When Redis fails").
      await expect(bo.execute(() => 'back')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    } finally {
      await server.stop();
    }
  });
});
