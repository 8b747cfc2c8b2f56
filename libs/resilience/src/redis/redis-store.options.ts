import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ResilienceConfigError } from '../core/errors/errors.js';
import { checkKnownKeys, optionalEnum, optionalFunction, optionalNumber } from '../core/options/validate.js';

/** An ioredis client: a single node (`Redis`) or a `Cluster`. @publicApi */
export type RedisClient = Redis | Cluster;

/** What happens to calls while Redis cannot answer. @publicApi */
export type StoreErrorPolicy = 'fail-open' | 'fail-closed';

/** Emitted once when the shared store goes down, and once when it is back. @publicApi */
export interface StoreStatusEvent {
  status: 'down' | 'up';
  /** Clock time of the change (ms, local). */
  at: number;
  /** Why it went down (error name and message, never the URL or credentials). */
  reason?: string;
}

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
  /** Called when the store goes down or comes back (once per outage). */
  onStoreStatus?: (event: StoreStatusEvent) => void;
  /** Where the down/up lines go. Default: `console`. */
  logger?: { warn(message: string): void; log(message: string): void };
}

/** {@link RedisStoreOptions} after validation. */
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

const KEYS = [
  'type',
  'url',
  'client',
  'options',
  'cluster',
  'keyPrefix',
  'onStoreError',
  'expectedReplicas',
  'storeTimeoutMs',
  'breakerSyncMs',
  'probeIntervalMs',
  'onStoreStatus',
  'logger',
] as const;

/** Validates store options; error paths start with `path` (default `store`). */
export function normalizeRedisStoreOptions(raw: unknown, path = 'store'): NormalizedRedisStoreOptions {
  if (raw === null || typeof raw !== 'object') throw new ResilienceConfigError(path, raw, 'an options object');
  const o = raw as Record<string, unknown>;
  checkKnownKeys(path, o, KEYS);
  const p = (k: string) => `${path}.${k}`;
  const sources = (['url', 'client', 'options', 'cluster'] as const).filter((k) => o[k] !== undefined);
  if (sources.length !== 1) {
    throw new ResilienceConfigError(
      sources.length ? p(sources[1]!) : p('url'),
      sources.length ? '(also set)' : undefined,
      'exactly one of url, client, options or cluster',
    );
  }
  if (o.cluster !== undefined) checkCluster(p('cluster'), o.cluster);
  if (o.url !== undefined && (typeof o.url !== 'string' || !/^rediss?:\/\//.test(o.url))) {
    // Never echo the URL: it may carry a password.
    throw new ResilienceConfigError(
      p('url'),
      typeof o.url === 'string' ? '(a string not starting with redis:// or rediss://)' : o.url,
      'a redis:// or rediss:// URL',
    );
  }
  if (typeof o.url === 'string' && !URL.canParse(o.url)) {
    throw new ResilienceConfigError(
      p('url'),
      '(a redis:// string that is not a valid URL)',
      'a valid redis:// or rediss:// URL, e.g. redis://user:password@host:6379/0',
    );
  }
  if (
    o.client !== undefined &&
    (o.client === null ||
      typeof o.client !== 'object' ||
      typeof (o.client as { evalsha?: unknown }).evalsha !== 'function')
  ) {
    throw new ResilienceConfigError(p('client'), o.client, 'an ioredis client (Redis or Cluster)');
  }
  if (o.options !== undefined && (o.options === null || typeof o.options !== 'object'))
    throw new ResilienceConfigError(p('options'), o.options, 'an ioredis options object');
  const keyPrefix = o.keyPrefix ?? 'nrs:';
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix))
    throw new ResilienceConfigError(p('keyPrefix'), keyPrefix, 'a string without { or }');
  const logger = o.logger ?? console;
  if (
    typeof (logger as { warn?: unknown }).warn !== 'function' ||
    typeof (logger as { log?: unknown }).log !== 'function'
  ) {
    throw new ResilienceConfigError(p('logger'), logger, 'an object with warn() and log()');
  }
  const out: NormalizedRedisStoreOptions = {
    keyPrefix,
    onStoreError: optionalEnum(p('onStoreError'), o.onStoreError, ['fail-open', 'fail-closed'] as const, 'fail-open'),
    expectedReplicas: optionalNumber(p('expectedReplicas'), o.expectedReplicas, 1, { min: 1, integer: true }),
    storeTimeoutMs: optionalNumber(p('storeTimeoutMs'), o.storeTimeoutMs, 200, { min: 1 }),
    breakerSyncMs: optionalNumber(p('breakerSyncMs'), o.breakerSyncMs, 1000, { min: 0 }),
    probeIntervalMs: optionalNumber(p('probeIntervalMs'), o.probeIntervalMs, 1000, { min: 10 }),
    onStoreStatus: optionalFunction(p('onStoreStatus'), o.onStoreStatus),
    logger: logger as NormalizedRedisStoreOptions['logger'],
  };
  if (o.url !== undefined) out.url = o.url as string;
  if (o.client !== undefined) out.client = o.client as RedisClient;
  if (o.options !== undefined) out.options = o.options as RedisOptions;
  if (o.cluster !== undefined) out.cluster = o.cluster as RedisClusterConfig;
  return out;
}

/** Validates `cluster: { nodes, options }`; a node string is never echoed (it may carry a password). */
function checkCluster(path: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, '{ nodes: [{ host, port }, ...], options? }');
  const c = value as Record<string, unknown>;
  checkKnownKeys(path, c, ['nodes', 'options']);
  if (!Array.isArray(c.nodes) || c.nodes.length === 0)
    throw new ResilienceConfigError(
      `${path}.nodes`,
      typeof c.nodes === 'string' ? '(a string)' : c.nodes,
      'a non-empty array of seed nodes ({ host, port }, "host:port" or a port)',
    );
  c.nodes.forEach((n: unknown, i) => {
    const ok =
      (typeof n === 'string' && n.length > 0) ||
      (typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536) ||
      (n !== null && typeof n === 'object' && !Array.isArray(n));
    if (!ok)
      throw new ResilienceConfigError(
        `${path}.nodes[${i}]`,
        typeof n === 'string' ? '(an empty string)' : n,
        '{ host, port }, "host:port" or a port',
      );
  });
  if (c.options !== undefined && (c.options === null || typeof c.options !== 'object' || Array.isArray(c.options))) {
    throw new ResilienceConfigError(`${path}.options`, c.options, 'an ioredis ClusterOptions object');
  }
}
