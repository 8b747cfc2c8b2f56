import { ResilienceConfigError } from '../core/errors/index.js';
import {
  checkKnownKeys,
  optionalEnum,
  optionalFunction,
  optionalNumber,
  startNormalize,
} from '../core/options/validate.js';
import { STORE_ERROR_POLICIES } from '../core/store/store.js';
import {
  REDIS_STORE_DEFAULTS,
  type NormalizedRedisStoreOptions,
  type RedisClient,
  type RedisClusterConfig,
  type RedisStoreOptions,
} from './redis-store.options.js';
import type { RedisOptions } from 'ioredis';

const KNOWN = {
  url: true,
  client: true,
  options: true,
  cluster: true,
  keyPrefix: true,
  onStoreError: true,
  expectedReplicas: true,
  storeTimeoutMs: true,
  breakerSyncMs: true,
  probeIntervalMs: true,
  onStoreStatus: true,
  logger: true,
} as const satisfies Record<keyof RedisStoreOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Validates {@link RedisStoreOptions} and fills in {@link REDIS_STORE_DEFAULTS}; throws
 * `ResilienceConfigError` naming the option (paths start with `path`, default `store`, e.g.
 * `store.storeTimeoutMs`). A URL or a cluster node string is never echoed (it may carry a password).
 * @publicApi
 */
export function normalizeRedisStoreOptions(raw: unknown, path = 'store'): NormalizedRedisStoreOptions {
  if (raw === null || typeof raw !== 'object') throw new ResilienceConfigError(path, raw, 'an options object');
  const o = raw as Record<string, unknown>;
  const p = startNormalize(path, o, KNOWN_KEYS);
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
  const d = REDIS_STORE_DEFAULTS;
  const keyPrefix = o.keyPrefix ?? d.keyPrefix;
  if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix))
    throw new ResilienceConfigError(p('keyPrefix'), keyPrefix, 'a string without { or }');
  const logger = o.logger ?? d.logger;
  if (
    typeof (logger as { warn?: unknown }).warn !== 'function' ||
    typeof (logger as { log?: unknown }).log !== 'function'
  ) {
    throw new ResilienceConfigError(p('logger'), logger, 'an object with warn() and log()');
  }
  const out: NormalizedRedisStoreOptions = {
    keyPrefix,
    onStoreError: optionalEnum(p('onStoreError'), o.onStoreError, STORE_ERROR_POLICIES, d.onStoreError),
    expectedReplicas: optionalNumber(p('expectedReplicas'), o.expectedReplicas, d.expectedReplicas, {
      min: 1,
      integer: true,
    }),
    storeTimeoutMs: optionalNumber(p('storeTimeoutMs'), o.storeTimeoutMs, d.storeTimeoutMs, { min: 1 }),
    breakerSyncMs: optionalNumber(p('breakerSyncMs'), o.breakerSyncMs, d.breakerSyncMs, { min: 0 }),
    probeIntervalMs: optionalNumber(p('probeIntervalMs'), o.probeIntervalMs, d.probeIntervalMs, { min: 10 }),
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
