// A redis-server of the chaos run's own, on a free port, that can be SIGKILLed (no shutdown,
// no goodbye to clients: the way a crashed or OOM-killed Redis goes) and restarted on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, hasRedisServerBinary, pingRedis } from '../../libs/resilience/src/redis/testing-support/redis-server.js';

export interface KillableRedis {
  readonly url: string;
  /** Starts it (again); resolves once it answers PING (bounded: 5 s). */
  start(): Promise<void>;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Pid of the running server (undefined while it is down). */
  pid(): number | undefined;
}

export async function startKillableRedis(): Promise<KillableRedis> {
  if (!hasRedisServerBinary()) throw new Error('the chaos suite needs a redis-server binary (apt-get install redis-server, or scripts/ensure-redis.sh)');
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  let child: ChildProcess | undefined;
  // Never leave it behind, whatever way this process ends.
  process.once('exit', () => child?.kill('SIGKILL'));
  const redis: KillableRedis = {
    url,
    pid: () => child?.pid,
    async start() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
      child = spawn('redis-server', args, { stdio: 'ignore' });
      for (let i = 0; i < 100; i++) {
        if (await pingRedis(url, 200)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`redis-server did not answer on port ${port} within 5 s`);
    },
    async kill() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
  };
  await redis.start();
  return redis;
}
