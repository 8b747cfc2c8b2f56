// Forks replicas (test/support/redis-replica.ts: a Nest application context with the Redis
// store, driven over IPC) for the multi-process suites, and stops them.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Child processes run the TypeScript sources through the repo's loader (@swc/core).
const loader = './bench/register.mjs';
const replicaScript = `${root}/test/support/redis-replica.ts`;

/** One forked replica. */
export interface Replica {
  child: ChildProcess;
  /** Sends `msg` (none for `null`) and resolves with the next answer; rejects after `timeoutMs` or when the replica exits. */
  request<T = Record<string, unknown>>(msg: unknown, timeoutMs?: number): Promise<T>;
  /** True when it exited with an error or reported an unhandled rejection. */
  crashed(): boolean;
}

/** What a `limit` or `burst` command answers (see redis-replica.ts). */
export interface LimitResult {
  /** `[lo, hi]` per admission (local wall-clock ms). */
  admitted: Array<[number, number]>;
  errors: Array<{ at: number; name: string }>;
  status: Array<{ type: string; wall: number }>;
}

/**
 * Forks one replica with `config` (see `ReplicaConfig` in redis-replica.ts) and waits for it to be ready (30 s at most).
 * `script`: another worker speaking the same IPC protocol (a `{ ready }` message, then one answer per message).
 */
export async function spawnReplica(config: Record<string, unknown>, script = replicaScript): Promise<Replica> {
  if (!existsSync(`${root}/bench/register.mjs`))
    throw new Error('the multi-process suites need bench/register.mjs (the TypeScript loader for child processes)');
  const child = fork(script, [JSON.stringify(config)], {
    cwd: root,
    execArgv: ['--import', loader],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exitCode: number | null = null;
  const pending: Array<(m: Record<string, unknown>) => void> = [];
  child.on('exit', (code) => {
    exitCode = code;
    // Whoever waits for an answer learns at once that none will come.
    for (const answer of pending.splice(0)) answer({ ok: false, error: `replica exited with code ${code}` });
  });
  const unhandled: unknown[] = [];
  child.on('message', (m: Record<string, unknown>) => {
    if (m.unhandled !== undefined) unhandled.push(m.unhandled);
    else pending.shift()?.(m);
  });
  const request = <T>(msg: unknown, timeoutMs = 20_000) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`replica did not answer ${JSON.stringify(msg)} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      pending.push((m) => {
        clearTimeout(t);
        if (m.ok === false) reject(new Error(String(m.error)));
        else resolve(m as T);
      });
      if (msg !== null) child.send(msg as object);
    });
  try {
    await request(null, 30_000); // the ready message
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, request, crashed: () => (exitCode !== null && exitCode !== 0) || unhandled.length > 0 };
}

/** Starts one replica per config; if any fails to start, stops the others and throws. */
export async function spawnAll(configs: Array<Record<string, unknown>>, script?: string): Promise<Replica[]> {
  const settled = await Promise.allSettled(configs.map((c) => spawnReplica(c, script)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await stopAll(started);
    throw failed.reason;
  }
  return started;
}

/** Asks every replica to close its app and exit; kills those that do not within 5 s. */
export async function stopAll(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (r.child.exitCode !== null || r.child.signalCode !== null) return;
      const exited = new Promise((res) => r.child.once('exit', res));
      if (r.child.connected) await r.request({ cmd: 'exit' }, 5000).catch(() => undefined);
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
}
