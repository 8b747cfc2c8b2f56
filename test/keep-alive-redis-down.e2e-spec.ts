// Issue 8 §6 / README "When Redis fails": a Redis store that never reached Redis prints nothing
// of ioredis's own (no "[ioredis] Unhandled error event" while it waits for ready), and once
// closed leaves no ioredis timer (reconnect, `disconnectTimeout`) that keeps the process alive.
// Each case runs test/keep-alive/redis-down.ts in a real child process on a port nobody listens on.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Bound on one child's life: a child kept alive by a timer it should not hold is killed. */
const KILL_AFTER_MS = 20_000;
/**
 * How long the child may live after printing its last line (the store is closed by then).
 * Generous for a loaded machine; before the fix ioredis kept it alive 2 s (4 s for a Cluster).
 */
const EXIT_WITHIN_MS = 1500;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms between the child's last stdout line (printed after close()) and its exit. */
  livedAfterCloseMs: number;
}

/** A loopback port that was free a moment ago (bound, then released): connections are refused. */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function runCase(mode: 'redis' | 'cluster', port: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', './bench/register.mjs', 'test/keep-alive/redis-down.ts', mode, String(port)],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let printedAt = Infinity;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('closed:')) printedAt = Math.min(printedAt, performance.now());
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      resolve({ code, signal, stdout, stderr, livedAfterCloseMs: performance.now() - printedAt });
    });
  });
}

describe('a Redis store that cannot connect (child processes, refused port)', () => {
  it.each(['redis', 'cluster'] as const)(
    '%s: one fail-open call, close(): no ioredis output, and the process exits at once',
    async (mode) => {
      const out = await runCase(mode, await unusedPort());
      expect(out.stdout + out.stderr).not.toMatch(/Unhandled error event|ECONNREFUSED|ClusterAllFailedError|s3cret/);
      expect({ code: out.code, signal: out.signal, stdout: out.stdout.trim() }).toEqual({
        code: 0,
        signal: null,
        stdout: 'closed: ran, available false, warned 1, secret echoed false',
      });
      expect(out.livedAfterCloseMs).toBeLessThan(EXIT_WITHIN_MS);
    },
    30_000,
  );
});
