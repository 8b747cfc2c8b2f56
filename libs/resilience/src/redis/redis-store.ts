import { systemClock, type Clock } from '../core/clock.js';
import type { NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import {
  STORE_ERROR_POLICIES,
  type BreakerBackend,
  type BucketBackend,
  type BudgetLedger,
  type BucketSpec,
  type CounterBackend,
  type ResilienceStore,
  type SlidingWindowSpec,
  type StateOwner,
  type StoreErrorPolicy,
} from '../core/store/store.js';
import type { StoreStatusEvent } from '../core/store/store-events.js';
import type { Event } from '../core/events/event-emitter.js';
import { RedisBreaker } from './breaker/redis-breaker.js';
import { RedisBucket } from './bucket/redis-bucket.js';
import { RedisSlidingWindow } from './sliding-window/redis-sliding-window.js';
import { RedisCounters } from './counters/redis-counters.js';
import { RedisBudgetLedger } from './budget/redis-budget-ledger.js';
import { optionalEnum } from '../core/options/validate.js';
import type { NormalizedRedisStoreOptions, RedisClient, RedisStoreOptions } from './redis-store.options.js';
import { normalizeRedisStoreOptions } from './redis-store.normalize.js';
import { StoreLink } from './store-link.js';
import { hashTaggedKey } from './redis-keys.js';
import { closeClient, createCluster, createRedis, readyOrTimeout, silence } from './redis-client.js';

/** Options `RedisStore.create` validated: its constructor call takes them as they are (normalised once). */
const validated = new WeakSet<NormalizedRedisStoreOptions>();

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
  /**
   * Subscribes to outages: one `store.down` when Redis stops answering (policies then run on
   * their `onStoreError`), one `store.up` when it answers again. The event's `error` never
   * carries the URL or credentials. Returns a disposable.
   * @example
   * ```ts
   * const sub = store.onStatus((e) => metrics.gauge('redis_up', e.type === 'store.up' ? 1 : 0));
   * sub.dispose();
   * ```
   */
  readonly onStatus: Event<StoreStatusEvent>;
  private readonly link: StoreLink;
  private readonly owned: boolean;
  private closed = false;

  /** Validates `options` (error paths start with `store.`), creating the client from `url` / `options` if given. */
  static async create(options: RedisStoreOptions): Promise<RedisStore> {
    const o = normalizeRedisStoreOptions(options);
    validated.add(o);
    if (o.client !== undefined) return new RedisStore(o);
    const client = o.cluster !== undefined ? await createCluster(o) : await createRedis(o);
    // Before any wait: ioredis reports each refused connection as an 'error' event and, with no
    // listener, prints it with its stack. The store reports outages itself (once, redacted).
    silence(client);
    await readyOrTimeout(client, Math.max(1000, 5 * o.storeTimeoutMs));
    return new RedisStore(o, client);
  }

  /**
   * Prefer {@link RedisStore.create}. `ownClient` is a client the store created itself (closed
   * by {@link close}); `options.client` is never closed.
   */
  constructor(options: RedisStoreOptions, ownClient?: RedisClient) {
    this.options = validated.has(options as NormalizedRedisStoreOptions)
      ? (options as NormalizedRedisStoreOptions)
      : normalizeRedisStoreOptions(options);
    const client = ownClient ?? this.options.client;
    if (client === undefined)
      throw new TypeError('RedisStore: pass { client } or use RedisStore.create({ url | options })');
    this.owned = ownClient !== undefined;
    // The store reports outages itself (once); without a listener ioredis would print every error.
    if (this.owned) silence(client);
    this.link = new StoreLink(client, this.options, () => systemClock.now());
    this.onStatus = this.link.onStatus;
    if (this.options.onStoreStatus !== undefined) this.onStatus(this.options.onStoreStatus);
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
   * The budget ledger on this Redis, shared by every process on it: one atomic script per
   * operation, keys `<keyPrefix>{budgets}:…` (docs/redis.md, "Budget ledger"). While Redis is down,
   * `onStoreError` applies: `fail-closed` rejects with `StoreUnavailableError`, `fail-open` decides
   * on a per-process ledger whose settlements are written to Redis once it answers.
   */
  createBudgetLedger(clock: Clock, onStoreError = this.options.onStoreError): BudgetLedger {
    return new RedisBudgetLedger(clock, {
      link: this.link,
      keyPrefix: this.options.keyPrefix,
      onStoreError,
      logger: this.options.logger,
    });
  }

  /**
   * This store (same connection, same keys) with another `onStoreError` for the policies
   * created through it. The view has no `close()`: closing the store closes it.
   */
  withStoreErrorPolicy(onStoreError: StoreErrorPolicy): ResilienceStore {
    const policy = optionalEnum('onStoreError', onStoreError, STORE_ERROR_POLICIES, this.options.onStoreError);
    if (policy === this.options.onStoreError) return this;
    return {
      kind: this.kind,
      onStatus: this.onStatus,
      createBucket: (owner, spec, clock) => this.createBucket(owner, spec, clock, policy),
      createSlidingWindow: (owner, spec, clock) => this.createSlidingWindow(owner, spec, clock, policy),
      createBreaker: (owner, options, clock) => this.createBreaker(owner, options, clock, policy),
      createCounters: (clock) => this.createCounters(clock, policy),
      createBudgetLedger: (clock) => this.createBudgetLedger(clock, policy),
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
