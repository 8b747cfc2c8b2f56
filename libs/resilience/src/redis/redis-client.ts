import type { Cluster, Redis } from 'ioredis';
import type { NormalizedRedisStoreOptions, RedisClient } from './redis-store.options.js';

/*
 * The ioredis clients of a `RedisStore`: creating the ones it owns (from `url`, `options` or
 * `cluster`), waiting for them to be ready, and ending them on `close()`.
 */

/** Ends a client the store created (see `RedisStore.close`). */
export async function closeClient(client: RedisClient): Promise<void> {
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
export function silence(client: RedisClient): void {
  if (!client.listeners('error').includes(ignore)) client.on('error', ignore);
}

/** Without an offline queue, commands sent before the connection is ready fail: wait for it (bounded; an unreachable Redis is then an outage the store probes for). */
export async function readyOrTimeout(
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
export async function createCluster(o: NormalizedRedisStoreOptions): Promise<RedisClient> {
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
export async function createRedis(o: NormalizedRedisStoreOptions): Promise<RedisClient> {
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
