import { systemClock, type Clock } from '../core/clock.js';
import type { NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import type {
  BreakerBackend,
  BucketBackend,
  BucketSpec,
  CounterBackend,
  ResilienceStore,
  SlidingWindowSpec,
  StateOwner,
} from '../core/store/store.js';
import { RedisBreaker } from './breaker/redis-breaker.js';
import { RedisBucket } from './bucket/redis-bucket.js';
import { RedisSlidingWindow } from './sliding-window/redis-sliding-window.js';
import { RedisCounters } from './counters/redis-counters.js';
import { optionalEnum } from '../core/options/validate.js';
import {
  normalizeRedisStoreOptions,
  type NormalizedRedisStoreOptions,
  type RedisClient,
  type RedisStoreOptions,
  type StoreErrorPolicy,
} from './redis-store.options.js';
import { StoreLink } from './store-link.js';
import { hashTaggedKey } from './redis-keys.js';
import type { Cluster, Redis } from 'ioredis';

/**
 * Shares limiter buckets, breakers and counters across processes through Redis.
 * Create it with {@link RedisStore.create} (loads `ioredis`, an optional peer dependency)
 * or `new RedisStore({ client })` with a client you own.
 * @example
 * ```ts
 * const store = await RedisStore.create({ url: 'redis://127.0.0.1:6379', keyPrefix: 'app:' });
 * const limiter = RateLimiterPolicy.create('partner-api', { rate: 50, periodMs: 1000 }, { store });
 * ```
 * @publicApi
 */
export class RedisStore implements ResilienceStore {
  readonly kind = 'redis';
  /** Validated options. */
  readonly options: NormalizedRedisStoreOptions;
  private readonly link: StoreLink;
  private readonly owned: boolean;
  private closed = false;

  /** Validates `options` (error paths start with `store.`), creating the client from `url` / `options` if given. */
  static async create(options: RedisStoreOptions): Promise<RedisStore> {
    const o = normalizeRedisStoreOptions(options);
    if (o.client !== undefined) return new RedisStore(options);
    const client = o.cluster !== undefined ? await createCluster(o) : await createRedis(o);
    // Before any wait: ioredis reports each refused connection as an 'error' event and, with no
    // listener, prints it with its stack. The store reports outages itself (once, redacted).
    silence(client);
    await readyOrTimeout(client, Math.max(1000, 5 * o.storeTimeoutMs));
    return new RedisStore(options, client);
  }

  /**
   * Prefer {@link RedisStore.create}. `ownClient` is a client the store created itself (closed
   * by {@link close}); `options.client` is never closed.
   */
  constructor(options: RedisStoreOptions, ownClient?: RedisClient) {
    this.options = normalizeRedisStoreOptions(options);
    const client = ownClient ?? this.options.client;
    if (client === undefined)
      throw new TypeError('RedisStore: pass { client } or use RedisStore.create({ url | options })');
    this.owned = ownClient !== undefined;
    // The store reports outages itself (once); without a listener ioredis would print every error.
    if (this.owned) silence(client);
    this.link = new StoreLink(client, this.options, () => systemClock.now());
  }

  /** The ioredis client in use. */
  get client(): RedisClient {
    return this.link.client;
  }

  /** False while Redis cannot be reached (policies run on the failure policy). */
  get available(): boolean {
    return this.link.up;
  }

  createBucket(
    owner: StateOwner,
    spec: BucketSpec,
    clock: Clock,
    onStoreError = this.options.onStoreError,
  ): BucketBackend {
    return new RedisBucket(owner, spec, clock, {
      link: this.link,
      key: this.keyOf(owner.key),
      onStoreError,
      expectedReplicas: this.options.expectedReplicas,
    });
  }

  createSlidingWindow(
    owner: StateOwner,
    spec: SlidingWindowSpec,
    clock: Clock,
    onStoreError = this.options.onStoreError,
  ): BucketBackend {
    return new RedisSlidingWindow(owner, spec, clock, {
      link: this.link,
      key: this.keyOf(owner.key),
      onStoreError,
      expectedReplicas: this.options.expectedReplicas,
    });
  }

  createBreaker(
    owner: StateOwner,
    options: NormalizedCircuitBreakerOptions,
    clock: Clock,
    onStoreError = this.options.onStoreError,
  ): BreakerBackend {
    return new RedisBreaker(owner, options, clock, {
      link: this.link,
      key: this.keyOf(owner.key),
      onStoreError,
      syncMs: this.options.breakerSyncMs,
    });
  }

  createCounters(clock: Clock, onStoreError = this.options.onStoreError): CounterBackend {
    return new RedisCounters(this.link, this.options.keyPrefix, onStoreError, clock);
  }

  /**
   * This store (same connection, same keys) with another `onStoreError` for the policies
   * created through it. The view has no `close()`: closing the store closes it.
   */
  withStoreErrorPolicy(onStoreError: StoreErrorPolicy): ResilienceStore {
    const policy = optionalEnum(
      'onStoreError',
      onStoreError,
      ['fail-open', 'fail-closed'] as const,
      this.options.onStoreError,
    );
    if (policy === this.options.onStoreError) return this;
    return {
      kind: this.kind,
      createBucket: (owner, spec, clock) => this.createBucket(owner, spec, clock, policy),
      createSlidingWindow: (owner, spec, clock) => this.createSlidingWindow(owner, spec, clock, policy),
      createBreaker: (owner, options, clock) => this.createBreaker(owner, options, clock, policy),
      createCounters: (clock) => this.createCounters(clock, policy),
      withStoreErrorPolicy: (other) => this.withStoreErrorPolicy(other),
    };
  }

  /** The Redis key of a piece of state: prefixed, with a hash tag so Cluster keeps it on one slot. */
  keyOf(stateKey: string): string {
    return hashTaggedKey(this.options.keyPrefix, stateKey);
  }

  /**
   * Stops probing and closes the client if the store created it: `QUIT` when connected, else the
   * connection attempt or the pending reconnection is cancelled. Resolves once ioredis holds no
   * timer or socket that keeps the process alive (at most 1 s). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.link.close();
    if (this.owned) await closeClient(this.link.client);
  }
}

/** Ends a client the store created (see {@link RedisStore.close}). */
async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  let done!: () => void;
  const ended = new Promise<void>((resolve) => (done = resolve));
  client.once('end', done);
  let wait = CLOSE_BOUND_MS;
  if (client.status === 'ready') {
    try {
      await client.quit();
    } catch {
      client.disconnect();
      wait = Math.min(wait, disconnectTimeoutOf(client));
    }
  } else {
    // Connecting, or between reconnection attempts (no socket): disconnect() cancels the attempt,
    // but for a socket that already closed ioredis emits no 'end', and its connector still arms a
    // `disconnectTimeout` timer (per node for a Cluster) to destroy that socket. Waiting it out
    // means nothing of the client outlives close(); the store sets it short (see disconnectMs).
    client.disconnect();
    wait = Math.min(wait, disconnectTimeoutOf(client) + 10);
  }
  // Re-read: quit() / disconnect() may have ended it already (`as string`: TS narrowed it above).
  if ((client.status as string) !== 'end') {
    // Not unref'd: the caller awaits close(), and this wait is bounded.
    const t = setTimeout(done, wait);
    await ended;
    clearTimeout(t);
  }
  client.off('end', done);
}

/** Bound on {@link RedisStore.close}. */
const CLOSE_BOUND_MS = 1000;

/**
 * `disconnectTimeout` of the clients the store creates (ioredis: 2000 ms): how long a socket
 * that was told to end may stay open before it is destroyed. A reply later than `storeTimeoutMs`
 * is a failure for the store anyway; this keeps that timer short so a closed store does not
 * keep the process alive for 2 s. Options given in `options` / `cluster.options.redisOptions` win.
 */
function disconnectMs(o: NormalizedRedisStoreOptions): number {
  return Math.min(CLOSE_BOUND_MS, Math.max(100, o.storeTimeoutMs));
}

function disconnectTimeoutOf(client: RedisClient): number {
  const ms = client.isCluster
    ? (client as Cluster).options.redisOptions?.disconnectTimeout
    : (client as Redis).options.disconnectTimeout;
  return typeof ms === 'number' && ms >= 0 ? ms : 2000;
}

const ignore = (): void => undefined;

/** Listens to the client's 'error' events (once per client) so ioredis does not print them. */
function silence(client: RedisClient): void {
  if (!client.listeners('error').includes(ignore)) client.on('error', ignore);
}

/** Without an offline queue, commands sent before the connection is ready fail: wait for it (bounded; an unreachable Redis is then an outage the store probes for). */
async function readyOrTimeout(
  client: {
    status: string;
    connect(): Promise<unknown>;
    once(e: string, f: () => void): unknown;
    off(e: string, f: () => void): unknown;
  },
  ms: number,
): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') client.connect().catch(() => undefined); // lazyConnect: connect now
  let done!: () => void;
  const ready = new Promise<void>((resolve) => (done = resolve));
  const t = setTimeout(done, ms);
  t.unref();
  client.once('ready', done);
  await ready;
  clearTimeout(t);
  client.off('ready', done);
}

/**
 * The `Cluster` client of `cluster: { nodes, options }`: like a single-node client the store
 * creates, it never queues commands while the cluster is not ready (`enableOfflineQueue:
 * false`, forced; also passed in `redisOptions`, which ioredis 6 ignores for node connections)
 * and retries the whole cluster at least every `probeIntervalMs` unless the options say otherwise.
 */
async function createCluster(o: NormalizedRedisStoreOptions): Promise<RedisClient> {
  const { Cluster } = await loadIoredis();
  const { nodes, options = {} } = o.cluster!;
  return new Cluster(nodes, {
    clusterRetryStrategy: (n: number) => Math.min(o.probeIntervalMs, 50 * n),
    ...options,
    enableOfflineQueue: false,
    // ioredis' types leave enableOfflineQueue out of redisOptions; set it anyway for versions that honour it.
    redisOptions: {
      disconnectTimeout: disconnectMs(o),
      ...options.redisOptions,
      enableOfflineQueue: false,
    } as NonNullable<typeof options.redisOptions>,
  });
}

/**
 * The single-node client of `url` / `options`. It never queues commands while offline (a caller
 * must not wait on a socket that is down), never resends them after a reconnect, and reconnects
 * at least every probeIntervalMs so shared mode resumes within probeIntervalMs of Redis
 * answering (README, "When Redis fails").
 */
async function createRedis(o: NormalizedRedisStoreOptions): Promise<RedisClient> {
  const { Redis } = await loadIoredis();
  const defaults = {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (n: number) => Math.min(o.probeIntervalMs, 50 * n),
    disconnectTimeout: disconnectMs(o),
  };
  return o.url !== undefined
    ? new Redis(o.url, defaults)
    : new Redis({ ...defaults, ...o.options, enableOfflineQueue: false });
}

async function loadIoredis(): Promise<{
  Redis: typeof import('ioredis').Redis;
  Cluster: typeof import('ioredis').Cluster;
}> {
  try {
    const mod = await import('ioredis');
    return { Redis: mod.Redis, Cluster: mod.Cluster };
  } catch (error) {
    throw new Error("nest-resilience: the Redis store needs the 'ioredis' package (npm install ioredis)", {
      cause: error,
    });
  }
}
