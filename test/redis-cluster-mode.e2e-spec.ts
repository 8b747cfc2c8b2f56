// The Redis store against a real three-master Redis Cluster started by this suite (see
// test/support/redis-cluster.ts): hash-tagged keys on one slot, a two-key script on that slot,
// the shared limiter, breaker and counters across two stores (two Cluster clients), and a
// master SIGKILLed and restarted with its nodes.conf. Skipped, saying why, only where the
// redis-server / redis-cli binaries are missing.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster } from 'ioredis';
import {
  CircuitBreakerOpenError,
  CircuitBreakerPolicy,
  RateLimiterRejectedError,
  RateLimiterPolicy,
  ResilienceConfigError,
  systemClock,
} from '../libs/resilience/src/core/index.js';
import { ResilienceRegistry } from '../libs/resilience/src/nest/registry/resilience.registry.js';
import {
  RedisStore,
  StoreUnavailableError,
  type RedisStoreOptions,
  type StoreStatusEvent,
} from '../libs/resilience/src/redis/index.js';
import { hashTaggedKey } from '../libs/resilience/src/redis/redis-keys.js';
import { uniquePrefix } from '../libs/resilience/src/redis/testing-support/redis-server.js';
import { clusterUnavailableReason, startRedisCluster, type TestRedisCluster } from './support/redis-cluster.js';

const quiet = { warn: () => undefined, log: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const missing = clusterUnavailableReason();
if (missing !== undefined) console.warn(`Redis Cluster suite skipped: ${missing}`);
const suite = missing === undefined ? describe : describe.skip;

/** Waits (polling, bounded) until `check` returns true. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

suite('RedisStore on a three-master Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let admin: Cluster;
  const stores: RedisStore[] = [];
  const keyPrefix = uniquePrefix('cluster');
  /** slot ranges → master port, read once the cluster is up. */
  let slotOwners: Array<[number, number, number]>;

  const newStore = async (extra: Partial<RedisStoreOptions> = {}): Promise<RedisStore> => {
    const store = await RedisStore.create({
      cluster: { nodes: cluster.nodes, options: { slotsRefreshTimeout: 500 } },
      keyPrefix,
      storeTimeoutMs: 300,
      probeIntervalMs: 100,
      logger: quiet,
      ...extra,
    });
    stores.push(store);
    return store;
  };
  const slotOf = async (key: string) => Number(await admin.cluster('KEYSLOT', key));
  const masterOf = async (key: string) => {
    const slot = await slotOf(key);
    return slotOwners.find(([from, to]) => slot >= from && slot <= to)![2];
  };
  /** The first `policy-<i>` names whose state (key `kind:name`) lives on `port`. */
  const namesOn = async (port: number, kind: string, count: number, tag: string): Promise<string[]> => {
    const names: string[] = [];
    for (let i = 0; names.length < count && i < 500; i++) {
      const name = `${tag}-${i}`;
      if ((await masterOf(hashTaggedKey(keyPrefix, `${kind}:${name}`))) === port) names.push(name);
    }
    expect(names).toHaveLength(count);
    return names;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admin = new Cluster(cluster.nodes, { enableOfflineQueue: true });
    admin.on('error', () => undefined);
    await until('the admin cluster client', () => admin.status === 'ready');
    const slots = (await admin.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
    slotOwners = slots.map(([from, to, [, port]]) => [from, to, port]);
    expect(new Set(slotOwners.map((s) => s[2])).size).toBe(3);
  }, 30_000);

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    admin?.disconnect();
    await cluster?.stop();
  });

  it('validates cluster options at bootstrap, naming the path (and never a node string)', async () => {
    const bad: Array<[unknown, string]> = [
      [{ nodes: [] }, 'store.cluster.nodes'],
      [{ nodes: 'redis://:secret@127.0.0.1:7000' }, 'store.cluster.nodes'],
      [{ nodes: [{ host: '127.0.0.1', port: 7000 }, null] }, 'store.cluster.nodes[1]'],
      [{ nodes: [7000], options: 5 }, 'store.cluster.options'],
      [{ nodes: [7000], option: {} }, 'store.cluster.option'],
      [[7000], 'store.cluster'],
    ];
    for (const [value, path] of bad) {
      const err = await ResilienceRegistry.create({ store: { type: 'redis', cluster: value } }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect((err as ResilienceConfigError).path).toBe(path);
      expect((err as Error).message).not.toContain('secret');
    }
    const both = await ResilienceRegistry.create({
      store: { type: 'redis', url: 'redis://127.0.0.1:1', cluster: { nodes: [7000] } },
    }).catch((e: unknown) => e);
    expect((both as ResilienceConfigError).path).toBe('store.cluster');
  });

  it('creates a Cluster client that never queues offline, ready when create() resolves', async () => {
    const store = await newStore();
    expect(store.client).toBeInstanceOf(Cluster);
    const client = store.client as Cluster;
    expect(client.status).toBe('ready');
    expect(client.options.enableOfflineQueue).toBe(false);
    expect(client.options.slotsRefreshTimeout).toBe(500);
  });

  it('keeps every key of one policy on one slot: a two-key script runs there; untagged keys would be CROSSSLOT', async () => {
    const store = await newStore();
    const client = store.client as Cluster;
    // Policies spread over the masters (the cluster is really used), each on its own slot.
    const owners = new Set<number>();
    for (let i = 0; i < 24; i++) owners.add(await masterOf(store.keyOf(`limiter:spread-${i}`)));
    expect(owners.size).toBe(3);
    // Two keys of one policy (its state and a companion, same hash tag) share a slot...
    const state = store.keyOf('limiter:openai');
    const companion = `${state}:log`;
    expect(await slotOf(companion)).toBe(await slotOf(state));
    const script =
      "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[2]); return { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) }";
    await expect(client.eval(script, 2, state, companion, 'a', 'b')).resolves.toEqual(['a', 'b']);
    await client.del(state, companion);
    // ...while the same two keys without the tag hash to different slots and Redis refuses the script.
    const plainA = `${keyPrefix}limiter:openai`;
    let plainB = `${keyPrefix}limiter:openai:log`;
    for (let i = 0; (await slotOf(plainB)) === (await slotOf(plainA)); i++)
      plainB = `${keyPrefix}limiter:openai:log${i}`;
    await expect(client.eval(script, 2, plainA, plainB, 'a', 'b')).rejects.toThrow(/CROSSSLOT/);
  });

  it('shares one limiter bound, one breaker and the counters across two stores (created, and given a Cluster client), on every master', async () => {
    const own = new Cluster(cluster.nodes, { enableOfflineQueue: false });
    own.on('error', () => undefined);
    await until('a user-supplied Cluster client', () => own.status === 'ready');
    const a = await newStore();
    const b = new RedisStore({
      client: own,
      keyPrefix,
      storeTimeoutMs: 300,
      probeIntervalMs: 100,
      breakerSyncMs: 0,
      logger: quiet,
    });
    stores.push(b);
    try {
      await sharedOnEveryMaster(a, b);
    } finally {
      await b.close();
      // The store never closes a client it was given.
      expect(own.status).toBe('ready');
      own.disconnect();
    }
  });

  async function sharedOnEveryMaster(a: RedisStore, b: RedisStore): Promise<void> {
    for (const { port } of cluster.masters) {
      // Limiter: 6 tokens for the whole cluster (1 per minute refill), two processes asking.
      const [limiterName] = await namesOn(port, 'limiter', 1, `bound-${port}`);
      const options = { rate: 1, periodMs: 60_000, burst: 6, mode: 'reject' as const };
      const limiters = [
        RateLimiterPolicy.create(limiterName!, options, { store: a }),
        RateLimiterPolicy.create(limiterName!, options, { store: b }),
      ];
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => limiters[i % 2]!.execute(() => i)));
      const admitted = results.filter((r) => r.status === 'fulfilled').length;
      expect(admitted).toBe(6);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RateLimiterRejectedError);
      expect(await masterOf(a.keyOf(`limiter:${limiterName}`))).toBe(port);
      expect(await admin.exists(a.keyOf(`limiter:${limiterName}`))).toBe(1);

      // Breaker: opened by failures seen through store a, open for store b.
      const [breakerName] = await namesOn(port, 'breaker', 1, `open-${port}`);
      const bo = { failureThreshold: 2, recoveryTimeMs: 60_000 };
      const [ba, bb] = [
        CircuitBreakerPolicy.create(breakerName!, bo, { store: a }),
        CircuitBreakerPolicy.create(breakerName!, bo, { store: b }),
      ];
      for (let i = 0; i < 2; i++)
        await expect(ba.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
      // Outcomes are reported to Redis without the caller waiting: wait until the open state is there.
      await until(
        'the breaker open in Redis',
        async () => (await admin.hget(a.keyOf(`breaker:${breakerName}`), 's')) === '1',
      );
      await expect(bb.execute(() => 'reached')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
      expect(bb.state()).toBe('open');

      // Counters: written through a, read through b.
      const [counter] = await namesOn(port, 'counter', 1, `spend-${port}`);
      await a.createCounters(systemClock).incrBy(counter!, 2.5, 60_000);
      await b.createCounters(systemClock).incrBy(counter!, 1, 60_000);
      await expect(b.createCounters(systemClock).get(counter!)).resolves.toBe(3.5);
    }
  }

  it('a SIGKILLed master: its policies fail open / closed as configured, every call settles; restarted, shared mode resumes', async () => {
    const events: StoreStatusEvent[] = [];
    const a = await newStore({ onStoreStatus: (e) => events.push(e) });
    const b = await newStore({ breakerSyncMs: 0 });
    const victim = cluster.masters[1]!.port;
    const [openName, closedName] = await namesOn(victim, 'limiter', 2, `outage-${victim}`);
    const [counter] = await namesOn(victim, 'counter', 1, `outage-${victim}`);
    // Fail-open runs on a local share whose level this test does not pin down: let callers wait briefly for it.
    const options = { rate: 200, periodMs: 1000, burst: 100, maxWaitMs: 5_000 };
    const failOpen = RateLimiterPolicy.create(openName!, options, { store: a.withStoreErrorPolicy('fail-open') });
    const failClosed = RateLimiterPolicy.create(closedName!, options, { store: a.withStoreErrorPolicy('fail-closed') });
    const closedCounters = a.createCounters(systemClock, 'fail-closed');
    await expect(failClosed.execute(() => 'shared')).resolves.toBe('shared');
    await closedCounters.incrBy(counter!, 1, 60_000);

    await cluster.kill(victim);
    // Calls on the dead master's slots: fail-closed refuses with StoreUnavailableError,
    // fail-open runs on the local share; none hangs, none is unhandled.
    let refused = 0;
    let localRuns = 0;
    for (let i = 0; i < 6; i++) {
      const [open, closed, count] = await Promise.allSettled([
        failOpen.execute(() => 'local'),
        failClosed.execute(() => 'shared'),
        closedCounters.incrBy(counter!, 1, 60_000),
      ]);
      expect(open).toEqual({ status: 'fulfilled', value: 'local' });
      localRuns++;
      if (closed.status === 'rejected') {
        expect(closed.reason).toBeInstanceOf(StoreUnavailableError);
        refused++;
      }
      if (count.status === 'rejected') expect(count.reason).toBeInstanceOf(StoreUnavailableError);
      await sleep(100);
    }
    expect(localRuns).toBe(6);
    expect(refused).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'store.down')).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(/redis:\/\//);

    await cluster.restart(victim);
    await cluster.waitForOk(15_000);
    // Shared mode resumes: fail-closed calls on the restarted master are admitted by Redis again...
    await until('fail-closed calls on the restarted master to succeed', async () => {
      const r = await failClosed
        .execute(() => 'shared')
        .then(
          () => true,
          () => false,
        );
      return r && a.available;
    });
    // ...and the state is shared again across the two stores (the restarted master lost its data: no persistence).
    await until('counters shared through the restarted master', async () => {
      const ok = await a
        .createCounters(systemClock, 'fail-closed')
        .incrBy(`${counter!}-after`, 1, 60_000)
        .then(() => b.createCounters(systemClock, 'fail-closed').get(`${counter!}-after`))
        .catch(() => 0);
      return ok >= 1;
    });
    const [breakerName] = await namesOn(victim, 'breaker', 1, `after-${victim}`);
    const bo = { failureThreshold: 1, recoveryTimeMs: 60_000 };
    const ba = CircuitBreakerPolicy.create(breakerName!, bo, { store: a.withStoreErrorPolicy('fail-closed') });
    const bb = CircuitBreakerPolicy.create(breakerName!, bo, { store: b.withStoreErrorPolicy('fail-closed') });
    await expect(ba.execute(() => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await until(
      'the breaker open in Redis',
      async () => (await admin.hget(a.keyOf(`breaker:${breakerName}`), 's').catch(() => null)) === '1',
    );
    await expect(bb.execute(() => 'reached')).rejects.toBeInstanceOf(CircuitBreakerOpenError);
    expect(events.at(-1)?.type).toBe('store.up');
  }, 40_000);
});
