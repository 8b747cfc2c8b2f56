// Store events: `RedisStore.onStatus` (and the `onStoreStatus` shorthand) against a redis-server of
// the test's own, with a password in its URL, SIGKILLed and restarted on the same port.
import { afterEach, describe, expect, it } from '@jest/globals';
import { RateLimiterPolicy } from '../core/index.js';
import { reportListenerError, setListenerErrorReporter } from '../core/events/event-emitter.js';
import type { ResilienceStore } from '../core/store/store.js';
import { RedisStore, type StoreStatusEvent } from './index.js';
import { redact } from './store-failure.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from './testing-support/redis-server.js';

const CANARY = 'canary-secret-123';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisStore.onStatus (own redis-server, password in the URL, SIGKILL and restart)', () => {
  let server: TestRedisServer | undefined;
  let store: RedisStore | undefined;
  afterEach(async () => {
    await store?.close();
    await server?.kill();
    store = server = undefined;
  });

  it('one store.down, then one store.up, to each of two subscribers; a disposed one gets nothing; no secret', async () => {
    server = await startRedisServer(undefined, { password: CANARY });
    expect(server.url).toBe(`redis://:${CANARY}@127.0.0.1:${server.port}`);
    const lines: string[] = [];
    const sugar: StoreStatusEvent[] = [];
    store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix('status'),
      storeTimeoutMs: 100,
      probeIntervalMs: 50,
      logger: { warn: (m) => lines.push(m), log: (m) => lines.push(m) },
      onStoreStatus: (e) => sugar.push(e),
    });
    const s = store;
    const first: StoreStatusEvent[] = [];
    const second: StoreStatusEvent[] = [];
    const disposed: StoreStatusEvent[] = [];
    const a = s.onStatus((e) => first.push(e));
    s.onStatus((e) => second.push(e));
    const gone = s.onStatus((e) => disposed.push(e));
    gone.dispose();
    gone.dispose(); // twice: harmless
    // The view of another failure policy reports the same store's outages.
    const view: ResilienceStore = s.withStoreErrorPolicy('fail-closed');
    expect(view.onStatus).toBe(s.onStatus);

    const limiter = RateLimiterPolicy.create('status', { rate: 100, burst: 10, mode: 'reject' }, { store: s });
    await limiter.acquire();
    expect(first).toEqual([]);

    await server.kill();
    // The outage is found by the next store call (it fails); the limiter then runs fail-open.
    await limiter.acquire().catch(() => undefined);
    expect(s.available).toBe(false);
    expect(first.map((e) => e.type)).toEqual(['store.down']);
    // More calls while down: still one store.down.
    for (let i = 0; i < 5; i++) await limiter.acquire().catch(() => undefined);
    expect(second.map((e) => e.type)).toEqual(['store.down']);

    await server.start();
    for (let i = 0; i < 200 && !s.available; i++) await sleep(20);
    expect(s.available).toBe(true);
    for (let i = 0; i < 5; i++) await limiter.acquire().catch(() => undefined);

    for (const events of [first, second, sugar]) {
      expect(events.map((e) => e.type)).toEqual(['store.down', 'store.up']);
      expect(events[0]).toEqual({
        type: 'store.down',
        store: 'redis',
        error: expect.any(String),
        at: expect.any(Number),
      });
      expect(events[1]).toEqual({ type: 'store.up', store: 'redis', at: expect.any(Number) });
      expect(events[1]!.at).toBeGreaterThanOrEqual(events[0]!.at);
    }
    // Every listener got the same event objects.
    expect(second).toEqual(first);
    expect(disposed).toEqual([]);
    // The error is the failure's message only: no error name, no URL, no credentials.
    const said = JSON.stringify([first, second, sugar]) + lines.join('\n');
    expect(said).not.toContain(CANARY);
    expect(said).not.toContain('redis://:');
    expect(first[0]!.error!.length).toBeGreaterThan(0);

    // A disposed subscriber hears nothing of the next outage; the others do.
    a.dispose();
    await server.kill();
    await limiter.acquire().catch(() => undefined);
    expect(first.map((e) => e.type)).toEqual(['store.down', 'store.up']);
    expect(second.map((e) => e.type)).toEqual(['store.down', 'store.up', 'store.down']);
  }, 30_000);

  it('a throwing listener does not stop the other listeners or the store', async () => {
    server = await startRedisServer();
    store = await RedisStore.create({
      url: server.url,
      keyPrefix: uniquePrefix('status-throw'),
      storeTimeoutMs: 100,
      probeIntervalMs: 50,
      logger: { warn: () => undefined, log: () => undefined },
    });
    const s = store;
    const seen: string[] = [];
    const reported: unknown[] = [];
    const previous = reportListenerError;
    setListenerErrorReporter((e) => reported.push(e));
    try {
      s.onStatus(() => {
        throw new Error('listener bug');
      });
      s.onStatus((e) => seen.push(e.type));
      const limiter = RateLimiterPolicy.create('status-throw', { rate: 100, burst: 10, mode: 'reject' }, { store: s });
      await server.kill();
      await limiter.acquire().catch(() => undefined);
      await server.start();
      for (let i = 0; i < 200 && !s.available; i++) await sleep(20);
      expect(seen).toEqual(['store.down', 'store.up']);
      expect(reported.map((e) => (e as Error).message)).toEqual(['listener bug', 'listener bug']);
    } finally {
      setListenerErrorReporter(previous);
    }
  }, 30_000);
});

describe('redact', () => {
  it('removes Redis URLs (and so their credentials) from an error text', () => {
    expect(redact(`connect to redis://:${CANARY}@10.0.0.1:6379/0 failed`)).toBe('connect to redis://… failed');
    expect(redact(`rediss://user:${CANARY}@h:1`)).toBe('redis://…');
    expect(redact('connect ECONNREFUSED 127.0.0.1:6380')).toBe('connect ECONNREFUSED 127.0.0.1:6380');
  });
});
