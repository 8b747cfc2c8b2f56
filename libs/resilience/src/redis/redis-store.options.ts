import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { StoreErrorPolicy } from '../core/store/store.js';
import type { StoreStatusEvent } from '../core/store/store-events.js';

/** An ioredis client: a single node (`Redis`) or a `Cluster`. @publicApi */
export type RedisClient = Redis | Cluster;

/**
 * A Redis Cluster the store connects to itself: seed `nodes` (`{ host, port }`, `'host:port'`
 * or a port) and ioredis `Cluster` options. The store never queues commands while the cluster
 * is not ready: `enableOfflineQueue` is forced to `false` (also in `redisOptions`, where
 * ioredis versions that honour it apply it to node connections). @publicApi
 */
export interface RedisClusterConfig {
  nodes: ClusterNode[];
  options?: ClusterOptions;
}

/**
 * Options of {@link RedisStore}. Give exactly one of `url`, `client`, `options` or `cluster`.
 * @publicApi
 */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port/db`. The store creates the client and closes it. */
  url?: string;
  /**
   * An existing ioredis client (or Cluster), used as it is and never closed by the store. Give
   * it `enableOfflineQueue: false`, `autoResendUnfulfilledCommands: false` and a
   * `retryStrategy` capped at `probeIntervalMs`, and connect it first (README, "When Redis fails").
   */
  client?: RedisClient;
  /**
   * ioredis options: the store creates the client and closes it. `enableOfflineQueue` is
   * always false; `autoResendUnfulfilledCommands` defaults to false and `retryStrategy` to
   * `min(probeIntervalMs, 50 × attempt)`.
   */
  options?: RedisOptions;
  /** A Redis Cluster: the store creates the ioredis `Cluster` client and closes it. */
  cluster?: RedisClusterConfig;
  /** Prefix of every key. Default `'nrs:'`. */
  keyPrefix?: string;
  /**
   * `fail-open` (default): fall back to per-process state; `fail-closed`: raise
   * `StoreUnavailableError`. A limiter or breaker can override it with its own `onStoreError`.
   */
  onStoreError?: StoreErrorPolicy;
  /** Replicas sharing the limits; under fail-open each process keeps `rate / expectedReplicas`. Default 1. */
  expectedReplicas?: number;
  /**
   * An operation unanswered this long (ms) after it was sent, once pending socket input was
   * read, is confirmed with a `PING`; the store goes down when that gets no answer within as
   * long. A busy event loop alone never counts as an outage. Default 200.
   */
  storeTimeoutMs?: number;
  /**
   * Staleness bound of a shared breaker's local cache (ms): a call decided from the cache acts
   * on state read less than this long before; an older cache is re-read first (in the
   * background from half this age). `0`: no cache, every admission asks Redis. Default 1000.
   */
  breakerSyncMs?: number;
  /**
   * While down, the store pings Redis this often (ms) and when the client is ready again, and
   * resumes shared mode at the first answer (a client the store creates reconnects at least
   * this often). Default 1000.
   */
  probeIntervalMs?: number;
  /**
   * Called when the store goes down or comes back (once each per outage): shorthand for one
   * `store.onStatus(listener)` subscription made at construction. No default.
   */
  onStoreStatus?: (event: StoreStatusEvent) => void;
  /** Where the down/up lines go. Default: `console`. */
  logger?: { warn(message: string): void; log(message: string): void };
}

/**
 * Defaults of {@link RedisStoreOptions}: the normaliser reads them from here (the JSDoc of each
 * option states the same value). @publicApi
 */
export const REDIS_STORE_DEFAULTS: Readonly<
  Pick<
    NormalizedRedisStoreOptions,
    | 'keyPrefix'
    | 'onStoreError'
    | 'expectedReplicas'
    | 'storeTimeoutMs'
    | 'breakerSyncMs'
    | 'probeIntervalMs'
    | 'logger'
  >
> = Object.freeze({
  keyPrefix: 'nrs:',
  onStoreError: 'fail-open',
  expectedReplicas: 1,
  storeTimeoutMs: 200,
  breakerSyncMs: 1000,
  probeIntervalMs: 1000,
  logger: console,
});

/** {@link RedisStoreOptions} after validation (see `normalizeRedisStoreOptions`). */
export interface NormalizedRedisStoreOptions {
  url?: string;
  client?: RedisClient;
  options?: RedisOptions;
  cluster?: RedisClusterConfig;
  keyPrefix: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
  storeTimeoutMs: number;
  breakerSyncMs: number;
  probeIntervalMs: number;
  onStoreStatus?: (event: StoreStatusEvent) => void;
  logger: { warn(message: string): void; log(message: string): void };
}
