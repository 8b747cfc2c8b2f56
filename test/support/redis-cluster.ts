// A three-master Redis Cluster started by a test: `redis-server --cluster-enabled yes` on free
// loopback ports in a temp dir, joined with `redis-cli --cluster create`, no persistence.
// Every server is a child of the test and is SIGKILLed by stop().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  hasRedisServerBinary,
  pingRedis,
} from '../../libs/resilience/src/redis/testing-support/redis-server.js';

/** One master of the test cluster. */
export interface ClusterMaster {
  readonly port: number;
  /** True while its process runs. */
  readonly running: boolean;
}

/** A cluster started by {@link startRedisCluster}. */
export interface TestRedisCluster {
  /** Seed nodes for ioredis (`new Cluster(nodes)` / `cluster: { nodes }`). */
  readonly nodes: Array<{ host: string; port: number }>;
  readonly masters: readonly ClusterMaster[];
  /** SIGKILLs the master on `port` (no shutdown, no save) and waits for the process to exit. */
  kill(port: number): Promise<void>;
  /** Starts the master on `port` again with its nodes-<port>.conf (same node id and slots); resolves once it answers PING. */
  restart(port: number): Promise<void>;
  /** Resolves once every running master reports cluster_state:ok (throws after `timeoutMs`). */
  waitForOk(timeoutMs?: number): Promise<void>;
  /** SIGKILLs every server and removes the temp dir. Idempotent, never throws. */
  stop(): Promise<void>;
}

/** Why the cluster suite cannot run here, or undefined when it can. */
export function clusterUnavailableReason(): string | undefined {
  if (!hasRedisServerBinary())
    return 'no redis-server binary on the PATH (apt-get install redis-server / brew install redis)';
  if (spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status !== 0)
    return 'no redis-cli binary on the PATH (it ships with redis-server)';
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts three masters (`cluster-node-timeout` 2000 ms, `cluster-require-full-coverage no`:
 * with one master down the others keep serving their slots) and creates the cluster.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'nest-resilience-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: keep both in range and distinct.
    if (p + 10_000 < 65_536 && !ports.includes(p)) ports.push(p);
  }
  const children = new Map<number, ChildProcess>();
  const argsOf = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
    '--cluster-require-full-coverage',
    'no',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const launch = async (port: number) => {
    const child = spawn('redis-server', argsOf(port), { stdio: 'ignore' });
    children.set(port, child);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
      if (await pingRedis(`redis://127.0.0.1:${port}`, 200)) return;
      await sleep(50);
    }
    throw new Error(`redis-server on port ${port} did not answer within 5 s`);
  };
  const cli = (port: number, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 })
      .stdout ?? '';

  const cluster: TestRedisCluster = {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    masters: ports.map((port) => ({
      port,
      get running() {
        const c = children.get(port);
        return c !== undefined && c.exitCode === null && c.signalCode === null;
      },
    })),
    async kill(port) {
      const c = children.get(port);
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    async restart(port) {
      await launch(port);
    },
    async waitForOk(timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const running = cluster.masters.filter((m) => m.running);
        if (running.every((m) => cli(m.port, 'cluster', 'info').includes('cluster_state:ok'))) return;
        if (Date.now() > end) throw new Error(`cluster_state not ok within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    async stop() {
      for (const port of ports) {
        try {
          await cluster.kill(port);
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    for (const port of ports) await launch(port);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 15_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await cluster.waitForOk();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}
