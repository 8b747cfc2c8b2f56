import { describe, expect, it } from '@jest/globals';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  seededRandom,
  systemClock,
  type CircuitStateChange,
} from '../../core/index.js';
import { RedisStore } from '../index.js';
import { uniquePrefix } from '../testing-support/redis-server.js';
import { useTestRedis } from '../testing-support/use-test-redis.js';

// Issue 8 §4: the shared breaker never flips back on stale replies. Several processes (one
// store, hence one connection, each) hammer one shared breaker with mostly failing calls, so
// their own failures and each other's open it again and again while replies are in flight.

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Reads the shared state as Redis has it now: state, opened-at (server ms), server ms. */
const READ = `local h = redis.call('HMGET', KEYS[1], 's', 'o')
local t = redis.call('TIME')
return { h[1] or '0', h[2] or '0', tostring(tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000) }`;

interface Admission {
  proc: number;
  /** Place in program order among admissions and reported changes (see `order` in the test). */
  order: number;
  /** Wall time (Date.now(), comparable with Redis TIME on this machine) when fn was entered. */
  at: number;
  /** What Redis said right after: state, opened at. */
  state: string;
  openedAt: number;
}

describe('RedisBreaker: ordered state under concurrency (real Redis)', () => {
  const t = useTestRedis();

  it.each([
    ['default breakerSyncMs (1000)', 1000],
    ['breakerSyncMs 20', 20],
  ])(
    '%s: every reported open period lasts recoveryTimeMs; a process that saw the breaker open admits nothing while Redis has it open',
    async (_label, breakerSyncMs) => {
      const prefix = uniquePrefix('ordering');
      t.prefixes.push(prefix);
      const PROCS = 3;
      const WORKERS = 20;
      const recoveryTimeMs = 300;
      const stores: RedisStore[] = [];
      for (let i = 0; i < PROCS; i++)
        stores.push(
          await RedisStore.create({
            url: t.url,
            keyPrefix: prefix,
            logger: quiet,
            breakerSyncMs,
            storeTimeoutMs: 2000,
          }),
        );
      t.stores.push(...stores);
      const key = stores[0]!.keyOf('breaker:ordered');
      // Program order of reported changes and fn entries: "reported before fn started" is exact,
      // whereas Date.now() (1 ms steps) puts a change learnt just after fn started in the same ms.
      let order = 0;
      let opens = 0;
      const events: Array<Array<CircuitStateChange & { order: number }>> = stores.map(() => []);
      const report = (proc: number, e: CircuitStateChange) => {
        if (e.to === 'open') opens++;
        events[proc]!.push({ ...e, order: ++order });
      };
      const breakers = stores.map((store, proc) =>
        CircuitBreakerPolicy.create(
          'ordered',
          {
            failureThreshold: 4,
            recoveryTimeMs,
            halfOpenMaxCalls: 2,
            historySize: 10_000,
            onStateChange: (e) => report(proc, e),
          },
          { store },
        ),
      );
      const offset = Date.now() - systemClock.now();
      const toWall = (at: number) => at + offset;
      const admissions: Admission[] = [];
      const random = seededRandom(8);
      let refused = 0;
      // At least 2.5 s, and on (up to 10 s) until the run did what it is meant to (a slow machine
      // goes through fewer open periods in 2.5 s).
      const enough = () => admissions.length > 50 && refused > 50 && opens >= PROCS;
      const minEnd = Date.now() + 2500;
      const maxEnd = minEnd + 7500;
      const goOn = () => Date.now() < minEnd || (!enough() && Date.now() < maxEnd);

      async function worker(proc: number): Promise<void> {
        for (let i = 0; i < 1500 && goOn(); i++) {
          const outcome = await breakers[proc]!.execute(async () => {
            const at = Date.now();
            const entered = ++order;
            const [state, openedAt] = (await t.admin.eval(READ, 1, key)) as [string, string, string];
            admissions.push({ proc, order: entered, at, state, openedAt: Number(openedAt) });
            if (random() < 0.85) throw new Error('upstream down');
            return 'ok';
          }).catch((e: unknown) => e);
          if (outcome instanceof CircuitBreakerOpenError) {
            refused++;
            await sleep(10);
          }
        }
      }
      await Promise.all(Array.from({ length: PROCS * WORKERS }, (_, i) => worker(i % PROCS)));

      // The run did what it is meant to: many admissions, refusals, and several open periods.
      expect(admissions.length).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(50);
      expect(opens).toBeGreaterThanOrEqual(PROCS);

      // 1. Every open period a process reports (listener and snapshot alike) lasts recoveryTimeMs.
      const short: string[] = [];
      breakers.forEach((b, proc) => {
        const lists = [events[proc]!, b.snapshot().stateChanges];
        for (const list of lists) {
          for (let i = 0; i + 1 < list.length; i++) {
            if (list[i]!.to === 'open' && list[i + 1]!.at - list[i]!.at < recoveryTimeMs) {
              short.push(
                `proc ${proc}: open → ${list[i + 1]!.to} after ${(list[i + 1]!.at - list[i]!.at).toFixed(1)} ms`,
              );
            }
          }
          for (let i = 0; i + 1 < list.length; i++) expect(list[i + 1]!.from).toBe(list[i]!.to); // a consistent chain
        }
      });
      expect(short).toEqual([]);

      // 2. No call admitted by a process while Redis has the breaker open, once that process had
      // reported this open period (its own failures, or Redis) before fn started: no flip back to
      // a stale "closed". A change reported after fn started (a call admitted, by the cache or by
      // Redis before the opening, whose fn started before this process learnt of it) is no
      // violation. An event's `at` is on the breaker's clock (systemClock); `toWall` maps it to
      // Date.now() time.
      const violations = admissions.filter((a) => {
        if (a.state !== '1' || a.openedAt >= a.at) return false; // not open in Redis when admitted
        return events[a.proc]!.some((e) => e.to === 'open' && toWall(e.at) >= a.openedAt - 50 && e.order < a.order);
      });
      const near = (a: Admission) => events[a.proc]!.filter((e) => Math.abs(toWall(e.at) - a.at) < 1000);
      expect(
        violations.map((a) => ({
          ...a,
          sinceOpen: a.at - a.openedAt,
          events: near(a).map(
            (e) => `${e.from}→${e.to}@${(toWall(e.at) - a.at).toFixed(1)} ${e.order < a.order ? 'before' : 'after'} fn`,
          ),
        })),
      ).toEqual([]);

      // 3. Beyond the documented staleness bound, no process admits while Redis has it open.
      const stale = admissions.filter((a) => a.state === '1' && a.at > a.openedAt + breakerSyncMs + 100);
      expect(stale.length).toBe(0);
    },
    30_000,
  );

  it('a reply to a script call sent before forceOpen() (a background read) does not undo it', async () => {
    const prefix = uniquePrefix('ordering');
    t.prefixes.push(prefix);
    const store = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20 });
    t.stores.push(store);
    const breaker = CircuitBreakerPolicy.create('manual-order', { recoveryTimeMs: 60_000 }, { store });
    expect(await breaker.execute(() => 1)).toBe(1); // reads the shared state (closed)
    await sleep(15);
    expect(breaker.state()).toBe('closed'); // the cache is over half breakerSyncMs old: a read goes out now
    breaker.forceOpen(); // ... and this process opens the breaker before that read's reply is back
    for (let i = 0; i < 10; i++) {
      await sleep(20);
      expect(breaker.state()).toBe('open');
    }
    expect(breaker.snapshot().stateChanges.map((c) => `${c.from}→${c.to}`)).toEqual(['closed→open']);
  });

  it('a breaker whose key vanished (Redis restarted empty) is taken as closed, not ignored as older', async () => {
    const prefix = uniquePrefix('ordering');
    t.prefixes.push(prefix);
    const store = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20 });
    t.stores.push(store);
    const breaker = CircuitBreakerPolicy.create('lost', { failureThreshold: 1, recoveryTimeMs: 200 }, { store });
    const key = store.keyOf('breaker:lost');
    await expect(breaker.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    for (let i = 0; i < 100 && (await t.admin.hget(key, 's')) !== '1'; i++) await sleep(10);
    expect(Number(await t.admin.hget(key, 'e'))).toBeGreaterThan(1e12); // epochs are server ms: they grow across a lost key
    await t.admin.del(key);
    await sleep(250); // the recovery time passes; Redis has no state for the breaker any more
    expect(await breaker.execute(() => 'back')).toBe('back');
    expect(breaker.state()).toBe('closed');
    expect(await breaker.execute(() => 'again')).toBe('again');
  });

  it('failure-rate mode: a trip opens the breaker in the tripping process at once, and in Redis for the others', async () => {
    const prefix = uniquePrefix('ordering');
    t.prefixes.push(prefix);
    const [sa, sb] = [
      await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20 }),
      await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 20 }),
    ];
    t.stores.push(sa, sb);
    const options = {
      failureRateThreshold: 50,
      minimumCalls: 4,
      slidingWindow: { type: 'count' as const, size: 10 },
      recoveryTimeMs: 30_000,
    };
    const a = CircuitBreakerPolicy.create('rate', options, { store: sa });
    const b = CircuitBreakerPolicy.create('rate', options, { store: sb });
    for (let i = 0; i < 4; i++)
      await expect(a.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(a.state()).toBe('open'); // before Redis has answered the trip
    await expect(a.execute(() => 'ran')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    for (let i = 0; i < 100 && (await t.admin.hget(sa.keyOf('breaker:rate'), 's')) !== '1'; i++) await sleep(10);
    await sleep(25); // b's cache (breakerSyncMs 20) is old: its next admission asks Redis
    await expect(b.execute(() => 'ran')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
  });

  it('an admission Redis granted before this process opened the breaker (its answer still on the way) is refused', async () => {
    const prefix = uniquePrefix('ordering');
    t.prefixes.push(prefix);
    const store = await RedisStore.create({ url: t.url, keyPrefix: prefix, logger: quiet, breakerSyncMs: 0 });
    t.stores.push(store);
    const breaker = CircuitBreakerPolicy.create('late-admit', { recoveryTimeMs: 60_000 }, { store });
    let ran = 0;
    const call = breaker.execute(() => ++ran).catch((e: unknown) => e); // asks Redis (no cache)
    breaker.forceOpen(); // before Redis's "admitted" is back: by the time the call would run, it is open
    const outcome = await call;
    expect(outcome).toBeInstanceOf(CircuitBreakerOpenError);
    expect(ran).toBe(0);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot().stateChanges.map((c) => `${c.from}→${c.to}`)).toEqual(['closed→open']);
  });
});
