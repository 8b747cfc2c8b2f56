import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';

/** A strict "L per any W ms" provider on 127.0.0.1, counting on its own side. @internal */
export interface SlidingWindowServer {
  readonly port: number;
  /** Server-side arrival times (epoch ms, from the server's monotonic clock, in order) and requests answered 429. */
  stats(): Promise<{ arrivals: number[]; rejected: number }>;
  /** Forgets every arrival (call it once no arrival is within the window). */
  reset(): Promise<void>;
  /** Opens `n` keep-alive connections (n concurrent requests), then waits until they left the window and resets. */
  warm(n: number): Promise<void>;
  /** Sends one GET; resolves with the status code. */
  get(): Promise<number>;
  close(): Promise<void>;
}

/** The server, run in a child process (CommonJS source for `node -e`): a provider on a machine of its own. */
const SERVER_SOURCE = `
const http = require('node:http');
const limit = Number(process.argv[1]);
const windowMs = Number(process.argv[2]);
let arrivals = [];
let oldest = 0;
let rejected = 0;
const server = http.createServer((req, res) => {
  const now = performance.timeOrigin + performance.now();
  arrivals.push(now);
  while (arrivals[oldest] <= now - windowMs) oldest++;
  req.resume();
  if (arrivals.length - oldest > limit) {
    rejected++;
    res.writeHead(429, { 'content-type': 'text/plain' }).end('too many');
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
});
server.keepAliveTimeout = 60000;
process.on('message', (m) => {
  if (m === 'stats') process.send({ arrivals, rejected });
  else if (m === 'reset') { arrivals = []; oldest = 0; rejected = 0; process.send({ reset: true }); }
  else if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
`;

/**
 * Starts, in a child process, a server that answers 429 whenever more than `limit` requests
 * (this one included, rejected ones too) arrived in the last `windowMs` ms, counted when each
 * request arrives, and 200 otherwise. `get()` uses a keep-alive agent without a socket limit.
 * @internal
 */
export async function startSlidingWindowServer(limit: number, windowMs: number): Promise<SlidingWindowServer> {
  const child = spawn(process.execPath, ['-e', SERVER_SOURCE, String(limit), String(windowMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onExit = () => reject(new Error('sliding-window server exited'));
      child.once('exit', onExit);
      child.once('message', (m) => {
        child.off('exit', onExit);
        resolve(m as Record<string, unknown>);
      });
    });
  const port = (await next()).port as number;
  const agent = new Agent({ keepAlive: true });
  const ask = async (m: string) => {
    const reply = next();
    child.send(m);
    return await reply;
  };
  const self: SlidingWindowServer = {
    port,
    stats: async () => (await ask('stats')) as { arrivals: number[]; rejected: number },
    reset: async () => void (await ask('reset')),
    warm: async (n) => {
      await Promise.all(Array.from({ length: n }, () => self.get()));
      await new Promise((resolve) => setTimeout(resolve, windowMs + 50));
      await self.reset();
    },
    get: () =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      }),
    close: async () => {
      agent.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('close');
      await exited;
    },
  };
  return self;
}

/** Most arrivals in any window (t - windowMs, t] of sorted times. @internal */
export function maxArrivalsInWindow(sorted: readonly number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/**
 * Admissions per window achieved over a run, as a share of `limit`: the first full window
 * is free, every later `limit` arrivals should take `windowMs`.
 * @internal
 */
export function achievedShare(sorted: readonly number[], limit: number, windowMs: number): number {
  const n = sorted.length;
  if (n <= limit) return 1;
  const span = sorted[n - 1]! - sorted[0]!;
  const ideal = ((n - limit) / limit) * windowMs;
  return span > 0 ? ideal / span : 1;
}

/**
 * Submits `calls` GETs at once, each through `run` (e.g. a limiter's `execute`); resolves
 * with their status codes, or `'timeout'` after `capMs` (a ref'ed timer: it also keeps the
 * process alive while callers wait). A call that fails resolves with -1.
 * @internal
 */
export async function burst(
  server: SlidingWindowServer,
  calls: number,
  run: (fn: () => Promise<number>) => Promise<number>,
  capMs: number,
): Promise<number[] | 'timeout'> {
  let guard: NodeJS.Timeout | undefined;
  const cap = new Promise<'timeout'>((resolve) => (guard = setTimeout(() => resolve('timeout'), capMs)));
  const all = Promise.all(Array.from({ length: calls }, () => run(() => server.get()).catch(() => -1)));
  const result = await Promise.race([all, cap]);
  clearTimeout(guard);
  return result;
}
