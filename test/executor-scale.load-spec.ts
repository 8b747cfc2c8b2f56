// Issue 10, "Scale": 100,000 events queued behind one held slot. Non-timing facts only: heap per
// queued event ≤ 1 KB (heapUsed delta after gc, measured in a child process started with
// --expose-gc: bench/executor-scale.ts --json), no timer per event (ref'd timers, unref'd ones and the
// executor clock's), and every one of the 100,000 reaches a terminal state — after the slot is
// released (child) and after stop({ drain: false }) (here). Run by test/jest-load.config.js.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Executor } from '../libs/resilience/src/executor/executor.js';
import type { NetworkRequestEvent } from '../libs/resilience/src/executor/network-request-event.js';
import { isTerminalStatus } from '../libs/resilience/src/executor/request-status.js';
import { activeTimers, CountingClock, type ScaleRow } from '../bench/executor-scale.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = 100_000;
const KILL_AFTER_MS = 120_000;
/** Timers an executor may hold whatever its queue depth (a limiter wait, a background probe). */
const O1_TIMERS = 3;

function runScaleChild(n: number): Promise<{ rows: ScaleRow[]; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', './bench/register.mjs', 'bench/executor-scale.ts', '--json', '--quick', String(n)],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ rows: JSON.parse(last) as ScaleRow[], stderr, code });
      } catch {
        reject(
          new Error(
            `executor-scale child printed no JSON (exit ${code}): ${stdout.slice(-500)} ${stderr.slice(-2000)}`,
          ),
        );
      }
    });
  });
}

describe(`Executor with ${N.toLocaleString('en-US')} events queued`, () => {
  it('≤ 1 KB of heap per queued event (after gc), no timer per event, all terminal once the slot is released', async () => {
    const { rows, code } = await runScaleChild(N);
    expect(code).toBe(0);
    const row = rows.find((r) => r.queued === N)!;
    expect(row.gc).toBe(true);
    expect(row.bytesPerEvent).toBeGreaterThan(0);
    expect(row.bytesPerEvent).toBeLessThanOrEqual(1024);
    expect(row.activeTimersAdded).toBeLessThanOrEqual(O1_TIMERS);
    expect(row.timersCreated).toBeLessThanOrEqual(O1_TIMERS);
    expect(row.clockTimersPending).toBeLessThanOrEqual(O1_TIMERS);
    expect(row.terminal).toBe(N);
  }, 150_000);

  it('stop({ drain: false }) cancels all of them: each ends CANCELLED, its result() rejects; no timer per event', async () => {
    const clock = new CountingClock();
    const ex = Executor.create('scale-stop', { concurrencyLimit: 1, queueCapacity: N, requestsRate: 1e9 }, { clock });
    // The first task holds the only slot until its signal aborts (stop without drain aborts it).
    const blocker = ex.submit(
      (ctx) =>
        new Promise<number>((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    for (let i = 0; i < 1000 && ex.snapshot().inFlight === 0; i++) await new Promise((r) => setImmediate(r));
    expect(ex.snapshot().inFlight).toBe(1);
    const timers0 = activeTimers();
    const task = (): Promise<number> => Promise.resolve(1);
    const events = new Array<NetworkRequestEvent<number>>(N);
    for (let i = 0; i < N; i++) events[i] = ex.submit(task);
    expect(ex.snapshot().queued).toBe(N);
    expect(activeTimers() - timers0).toBeLessThanOrEqual(O1_TIMERS);
    expect(clock.pending).toBeLessThanOrEqual(O1_TIMERS);
    const results = events.map((e) =>
      e.result().then(
        () => 'resolved',
        () => 'rejected',
      ),
    );
    await ex.stop({ drain: false });
    const outcomes = await Promise.all(results);
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.status] = (counts[e.status] ?? 0) + 1;
    expect(counts).toEqual({ CANCELLED: N });
    expect(outcomes.filter((o) => o === 'rejected')).toHaveLength(N);
    expect(isTerminalStatus(blocker.status)).toBe(true);
    await blocker.result().catch(() => undefined);
    expect(ex.snapshot()).toMatchObject({ running: false, inFlight: 0, queued: 0 });
    expect(clock.pending).toBe(0);
  }, 60_000);
});
