import { systemClock, type Clock } from '../core/clock.js';
import type { NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import type { BreakerBackend, BucketBackend, BucketSpec, CounterBackend, ResilienceStore, StateOwner } from '../core/store.js';
import { RedisBreaker } from './redis-breaker.js';
import { RedisBucket } from './redis-bucket.js';
import { RedisCounters } from './redis-counters.js';
import { optionalEnum } from '../core/validate.js';
import { normalizeRedisStoreOptions, type NormalizedRedisStoreOptions, type RedisClient, type RedisStoreOptions, type StoreErrorPolicy } from './redis-store.options.js';
import { StoreLink } from './store-link.js';
import { hashTaggedKey } from './redis-keys.js';

/**
 * Shares limiter buckets, breakers and counters across processes through Redis.
 * Create it with {@link RedisStore.create} (loads `ioredis`, an optional peer dependency)
 * or `new RedisStore({ client })` with a client you own.
 * @example
 * ```ts
 * const store = await RedisStore.create({ url: 'redis://127.0.0.1:6379', keyPrefix: 'app:' });
 * const limiter = RateLimiterPolicy.create('partner-api', { rate: 50, period: 1000 }, { store });
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
    const { Redis } = await loadIoredis();
    const client = o.url !== undefined ? new Redis(o.url) : new Redis(o.options!);
    return new RedisStore(options, client);
  }

  /**
   * Prefer {@link RedisStore.create}. `ownClient` is a client the store created itself (closed
   * by {@link close}); `options.client` is never closed.
   */
  constructor(options: RedisStoreOptions, ownClient?: RedisClient) {
    this.options = normalizeRedisStoreOptions(options);
    const client = ownClient ?? this.options.client;
    if (client === undefined) throw new TypeError('RedisStore: pass { client } or use RedisStore.create({ url | options })');
    this.owned = ownClient !== undefined;
    // The store reports outages itself (once); without a listener ioredis would print every error.
    if (this.owned) client.on('error', () => undefined);
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

  createBucket(owner: StateOwner, spec: BucketSpec, clock: Clock, onStoreError = this.options.onStoreError): BucketBackend {
    return new RedisBucket(owner, spec, clock, { link: this.link, key: this.keyOf(owner.key), onStoreError, expectedReplicas: this.options.expectedReplicas });
  }

  createBreaker(owner: StateOwner, options: NormalizedCircuitBreakerOptions, clock: Clock, onStoreError = this.options.onStoreError): BreakerBackend {
    return new RedisBreaker(owner, options, clock, { link: this.link, key: this.keyOf(owner.key), onStoreError, syncMs: this.options.breakerSyncMs });
  }

  createCounters(clock: Clock, onStoreError = this.options.onStoreError): CounterBackend {
    return new RedisCounters(this.link, this.options.keyPrefix, onStoreError, clock);
  }

  /**
   * This store (same connection, same keys) with another `onStoreError` for the policies
   * created through it. The view has no `close()`: closing the store closes it.
   */
  withStoreErrorPolicy(onStoreError: StoreErrorPolicy): ResilienceStore {
    const policy = optionalEnum('onStoreError', onStoreError, ['fail-open', 'fail-closed'] as const, this.options.onStoreError);
    if (policy === this.options.onStoreError) return this;
    return {
      kind: this.kind,
      createBucket: (owner, spec, clock) => this.createBucket(owner, spec, clock, policy),
      createBreaker: (owner, options, clock) => this.createBreaker(owner, options, clock, policy),
      createCounters: (clock) => this.createCounters(clock, policy),
      withStoreErrorPolicy: (other) => this.withStoreErrorPolicy(other),
    };
  }

  /** The Redis key of a piece of state: prefixed, with a hash tag so Cluster keeps it on one slot. */
  keyOf(stateKey: string): string {
    return hashTaggedKey(this.options.keyPrefix, stateKey);
  }

  /** Stops probing and closes the client if the store created it. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.link.close();
    if (!this.owned) return;
    const client = this.link.client;
    if (client.status === 'end') return;
    // Resolves once the socket is closed (at most 1 s), so nothing outlives close().
    let done!: () => void;
    const ended = new Promise<void>((resolve) => (done = resolve));
    const t = setTimeout(done, 1000);
    t.unref();
    client.once('end', done);
    try {
      if (client.status === 'ready') await client.quit();
      else client.disconnect();
    } catch {
      client.disconnect();
    }
    // Between reconnection attempts there is no socket: disconnect() just cancels the next
    // attempt, and ioredis emits no 'end'.
    if (client.status !== 'reconnecting') await ended;
    clearTimeout(t);
    client.off('end', done);
  }
}

async function loadIoredis(): Promise<{ Redis: typeof import('ioredis').Redis }> {
  try {
    const mod = await import('ioredis');
    return { Redis: mod.Redis };
  } catch (error) {
    throw new Error("nest-resilience: the Redis store needs the 'ioredis' package (npm install ioredis)", { cause: error });
  }
}
