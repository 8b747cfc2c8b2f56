// Issue 8 §4 across a Redis outage (README, "When Redis fails"): the fail-open fallback starts
// from the state this process held, shared mode resumes from the fallback's state, and the
// reported changes form one chain whose open periods all last recoveryTimeMs. Against a
// redis-server of the test's own, SIGKILLed and restarted on the same port. The policies run
// on a VirtualClock: every local decision (refusal, end of the open period) is on virtual time.
import { afterEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  VirtualClock,
  type CircuitStateChange,
} from '../../core/index.js';
import { RedisStore } from '../index.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../testing-support/redis-server.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const RECOVERY = 10_000;
const boom = async (): Promise<never> => {
  throw new Error('upstream down');
};

/** Waits (bounded, real time) until the store reports `available`; `poke` makes it notice. */
async function until(store: RedisStore, available: boolean, poke: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 100 && store.available !== available; i++) {
    await poke().catch(() => undefined);
    await sleep(50);
  }
  expect(store.available).toBe(available);
}

/** What the run broke: changes whose `from` is not the previous `to`, and open periods shorter than recoveryTimeMs. */
function chainFaults(changes: readonly CircuitStateChange[]) {
  const broken = changes.filter((c, i) => i > 0 && c.from !== changes[i - 1]!.to).map((c) => `${c.from}→${c.to}`);
  const short = changes
    .filter((c, i) => c.to === 'open' && i + 1 < changes.length && changes[i + 1]!.at - c.at < RECOVERY)
    .map((c) => c.at);
  return { broken, short };
}

describe('RedisBreaker through a Redis outage (own redis-server, SIGKILL and restart)', () => {
  let server: TestRedisServer | undefined;
  let store: RedisStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.kill();
    store = server = undefined;
  });

  async function setup(name: string) {
    server = await startRedisServer();
    const s = (store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix(name),
      logger: quiet,
      probeIntervalMs: 50,
      storeTimeoutMs: 200,
      onStoreError: 'fail-open',
    }));
    const clock = new VirtualClock();
    const events: CircuitStateChange[] = [];
    const breaker = CircuitBreakerPolicy.create(
      name,
      {
        failureThreshold: 2,
        recoveryTimeMs: RECOVERY,
        halfOpenMaxCalls: 1,
        successThreshold: 1,
        historySize: 100,
        onStateChange: (e) => events.push(e),
      },
      { store: s, clock },
    );
    // A second breaker of the store: its cold cache sends a script call, so the store notices Redis is down or back.
    const poke = CircuitBreakerPolicy.create(`${name}-poke`, {}, { store: s });
    const pokeOnce = () => poke.execute(async () => 1);
    let ran = 0;
    const call = () =>
      breaker.execute(async () => {
        ran++;
        return 'ok';
      });
    return { s, clock, events, breaker, pokeOnce, call, ran: () => ran };
  }

  it('open in Redis, then Redis dies: the fallback refuses until recoveryTimeMs after the shared opening, then tries', async () => {
    const { s, clock, events, breaker, pokeOnce, call, ran } = await setup('outage-open');
    for (let i = 0; i < 2; i++) await expect(breaker.execute(boom)).rejects.toThrow('upstream down');
    await sleep(100); // the opening reaches Redis
    expect(breaker.state()).toBe('open');
    const openedAt = breaker.snapshot().openedAt!;
    expect(openedAt).toBe(clock.now());

    await server!.kill();
    await until(s, false, pokeOnce);
    await clock.advance(RECOVERY - 1);
    // The fallback holds the shared opening: refused, the function never runs, no new event.
    await expect(call()).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(ran()).toBe(0);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot().openedAt).toBe(openedAt);
    await clock.advance(1);
    await expect(call()).resolves.toBe('ok'); // the trial, recoveryTimeMs after the shared opening
    expect(ran()).toBe(1);
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual(['closed→open', 'open→half_open', 'half_open→closed']);
    expect(events[1]!.at - events[0]!.at).toBe(RECOVERY);
    expect(breaker.snapshot().stateChanges).toEqual(events);
    expect(chainFaults(events)).toEqual({ broken: [], short: [] });
  }, 30_000);

  it('open here, Redis dies (calls go on) and comes back empty: no "closed" before recoveryTimeMs after the opening, one chain', async () => {
    const { s, clock, events, breaker, pokeOnce, call, ran } = await setup('outage-reopen');
    for (let i = 0; i < 2; i++) await expect(breaker.execute(boom)).rejects.toThrow('upstream down');
    await sleep(100);
    await server!.kill();
    await until(s, false, pokeOnce);
    // Calls during the outage go to the fallback, which holds the opening: none reaches the upstream.
    let reached = 0;
    for (let i = 0; i < 3; i++)
      await expect(breaker.execute(() => (reached++, boom()))).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(reached).toBe(0);
    await server!.start(); // no persistence: the breaker key is gone
    await until(s, true, pokeOnce);
    await clock.advance(RECOVERY - 1);
    await expect(call()).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(breaker.state()).toBe('open');
    await clock.advance(1);
    await expect(call()).resolves.toBe('ok'); // Redis has no key: closed for all
    expect(ran()).toBe(1);
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual(['closed→open', 'open→closed']);
    expect(breaker.snapshot().stateChanges).toEqual(events);
    expect(chainFaults(events)).toEqual({ broken: [], short: [] });
  }, 30_000);

  it('opened by the fallback during the outage: still refused after Redis is back until its recovery time is over, and pushed to Redis', async () => {
    const { s, clock, events, breaker, pokeOnce, call, ran } = await setup('outage-fallback');
    await expect(call()).resolves.toBe('ok');
    await server!.kill();
    await until(s, false, pokeOnce);
    for (let i = 0; i < 2; i++) await expect(breaker.execute(boom)).rejects.toThrow('upstream down');
    expect(breaker.state()).toBe('open');
    const openedAt = clock.now();
    await clock.advance(100);
    await server!.start();
    await until(s, true, pokeOnce);
    await clock.advance(RECOVERY - 101);
    await expect(call()).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(ran()).toBe(1);
    expect(breaker.state()).toBe('open');
    expect(breaker.snapshot().openedAt).toBe(openedAt);
    // The opening reached the restarted Redis: the other processes refuse too.
    const admin = new Redis(server!.url);
    try {
      await sleep(100);
      expect(await admin.hget(s.keyOf(`breaker:outage-fallback`), 's')).toBe('1');
    } finally {
      admin.disconnect();
    }
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual(['closed→open']);
    expect(events[0]!.at).toBe(openedAt);
    expect(breaker.snapshot().stateChanges).toEqual(events);
    expect(chainFaults(events)).toEqual({ broken: [], short: [] });
  }, 30_000);
});
