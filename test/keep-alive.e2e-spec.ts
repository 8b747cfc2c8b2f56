// Issue 8 §6: a pending call keeps the process alive; background timers do not. Each case runs
// test/keep-alive/pending-call.ts in a real child process (`node --import ./bench/register.mjs`).
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uniquePrefix } from '../libs/resilience/src/redis/testing-support/redis-server.js';
import { useTestRedis } from '../libs/resilience/src/redis/testing-support/use-test-redis.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Bound on one child's life: a child kept alive by a timer it should not hold (60 s) is killed. */
const KILL_AFTER_MS = 20_000;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runCase(mode: string, env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', './bench/register.mjs', 'test/keep-alive/pending-call.ts', mode],
      {
        cwd: root,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('a pending call keeps the process alive (child processes)', () => {
  it.each([
    ['retry', 'retried after backoff (2 attempts)'],
    ['pipeline-retry', 'pipeline retried (2 attempts)'],
    ['limiter', 'first / second, after a token wait'],
  ])(
    "%s: a script whose only pending work is the caller's own 300 ms wait prints the result and exits 0",
    async (mode, expected) => {
      const out = await runCase(mode);
      expect(out.stderr).not.toMatch(/unsettled top-level await/i);
      expect({ code: out.code, stdout: out.stdout.trim() }).toEqual({ code: 0, stdout: expected });
    },
    30_000,
  );

  it('idle policies (an open breaker with 60 s recovery, a paused limiter) leave nothing that keeps the process alive', async () => {
    const out = await runCase('idle');
    expect({ code: out.code, signal: out.signal, stdout: out.stdout.trim() }).toEqual({
      code: 0,
      signal: null,
      stdout: 'idle: breaker open',
    });
  }, 30_000);
});

describe('a pending call keeps the process alive (child processes, real Redis)', () => {
  const t = useTestRedis();

  it('a shared limiter wait (the re-ask timer) completes, and the process exits once the store is closed', async () => {
    const prefix = uniquePrefix('keep-alive');
    t.prefixes.push(prefix);
    const out = await runCase('redis-limiter', { REDIS_URL: t.url, KEY_PREFIX: prefix });
    expect({ code: out.code, signal: out.signal, stdout: out.stdout.trim() }).toEqual({
      code: 0,
      signal: null,
      stdout: 'first / second, after a shared token wait',
    });
  }, 30_000);

  it('a closed Redis store whose shared breaker is open (cache refresh, deadlines ran) leaves nothing that keeps the process alive', async () => {
    const prefix = uniquePrefix('keep-alive');
    t.prefixes.push(prefix);
    const out = await runCase('idle-redis', { REDIS_URL: t.url, KEY_PREFIX: prefix });
    expect({ code: out.code, signal: out.signal, stdout: out.stdout.trim() }).toEqual({
      code: 0,
      signal: null,
      stdout: 'idle-redis: CircuitBreakerOpenError',
    });
  }, 30_000);
});
