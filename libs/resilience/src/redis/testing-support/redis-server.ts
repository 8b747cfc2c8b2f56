import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A `redis-server` started by a test on its own port. */
export interface TestRedisServer {
  readonly url: string;
  readonly port: number;
  /** Starts (or restarts) the server; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops the server (SIGKILL after 2 s). */
  stop(): Promise<void>;
  /** Sends `signal` to the server process (e.g. `SIGSTOP` / `SIGCONT`); no-op when not running. */
  signal(signal: NodeJS.Signals): void;
  /** Kills the server with SIGKILL (no clean shutdown) and resolves once it exited. */
  kill(): Promise<void>;
  /** Pid of the running server (undefined while it is down). */
  pid(): number | undefined;
}

/** A port nobody listens on right now (ephemeral, loopback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * True when a Redis at `url` answers PING within `timeoutMs` (AUTH first when the URL has a
 * password). Plain TCP (rediss:// goes through ioredis), so a failed attempt leaves no timer behind.
 */
export async function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  if (u.protocol === 'rediss:') return pingWithIoredis(url, timeoutMs);
  const auth = u.password
    ? ['AUTH', ...(u.username ? [decodeURIComponent(u.username)] : []), decodeURIComponent(u.password)]
    : undefined;
  const command = (parts: string[]) =>
    `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write((auth ? command(auth) : '') + command(['PING'])));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('+PONG\r\n')) done(true);
      else if (reply.startsWith('-') || reply.includes('\r\n-')) done(false);
    });
  });
}

async function pingWithIoredis(url: string, timeoutMs: number): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** True when a `redis-server` binary is on the PATH. */
export function hasRedisServerBinary(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

const NO_REDIS =
  'No Redis answers at REDIS_URL (default redis://127.0.0.1:6379) and no redis-server binary was found. ' +
  'Start one (docker run -p 6379:6379 redis:7, or apt-get install redis-server / brew install redis), or set REDIS_URL.';

/**
 * Starts `redis-server` on a free port without persistence (with `requirepass` when
 * `password` is given; the URL then carries it). Throws a clear error when the binary is missing.
 */
export async function startRedisServer(port?: number, options: { password?: string } = {}): Promise<TestRedisServer> {
  if (!hasRedisServerBinary()) throw new Error(NO_REDIS);
  const p = port ?? (await freePort());
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  const url = `redis://${auth}127.0.0.1:${p}`;
  const args = ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password !== undefined) args.push('--requirepass', options.password);
  let child: ChildProcess | undefined;
  // Never left behind, whatever way this process ends.
  process.once('exit', () => child?.kill('SIGKILL'));
  const server: TestRedisServer = {
    url,
    port: p,
    pid: () => child?.pid,
    async start() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
      child = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await pingRedis(url, 200)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not answer on port ${p} within 5 s`);
    },
    signal(sig) {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill(sig);
    },
    async kill() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await exited;
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => c.kill('SIGKILL'), 2000);
        c.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill('SIGCONT');
        c.kill('SIGTERM');
      });
    },
  };
  await server.start();
  return server;
}

/**
 * The Redis tests run against: `REDIS_URL` (default redis://127.0.0.1:6379) if it answers,
 * else a `redis-server` started on a free port (stopped by `stop()`), else a clear error.
 */
export async function testRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await pingRedis(url)) return { url, stop: async () => undefined };
  const server = await startRedisServer();
  return { url: server.url, stop: () => server.stop() };
}

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(name: string): string {
  return `nrs-test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
}

/** Deletes every key under `prefix` (bounded SCAN). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  for (let i = 0; i < 1000; i++) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) deleted += await client.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  return deleted;
}
