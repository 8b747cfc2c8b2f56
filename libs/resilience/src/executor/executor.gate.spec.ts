import { VirtualClock } from '../core/clock.js';
import { Executor } from './executor.js';
import type { DispatchGate } from './executor.options.js';
import type { NetworkRequestEvent } from './network-request-event.js';

const transient = () => Object.assign(new Error('upstream down'), { isTransient: true });

/** A gate that records what it is told; `open` returns what `opening` gives. */
function recordingGate(opening: () => void | Promise<void> = () => undefined) {
  const calls: string[] = [];
  const closed: { status: string; opened: boolean }[] = [];
  const gate: DispatchGate = {
    open(ev: NetworkRequestEvent) {
      calls.push(`open:${ev.status}`);
      return opening();
    },
    close(ev: NetworkRequestEvent, opened: boolean) {
      calls.push(`close:${ev.status}`);
      closed.push({ status: ev.status, opened });
    },
  };
  return { gate, calls, closed };
}

describe('Executor: dispatch gates', () => {
  it('open runs once when the event holds its slot, before the task; an async open delays the first attempt', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create('gate-open', { concurrencyLimit: 1, requestsRate: 100 }, { clock });
    let release!: () => void;
    const g = recordingGate(() => new Promise<void>((r) => (release = r)));
    let ran = 0;
    const ev = executor.submit(
      () => {
        ran++;
        return 'ok';
      },
      { gate: g.gate },
    );
    await clock.advance(0);
    expect(g.calls).toEqual(['open:PROCESSING']);
    expect(ran).toBe(0);
    release();
    await expect(ev.result()).resolves.toBe('ok');
    expect(ran).toBe(1);
    expect(g.closed).toEqual([{ status: 'COMPLETED', opened: true }]);
  });

  it('a refusing open fails the event with its error: no attempt, no limit taken, breaker and retry untouched, slot freed', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'gate-refuse',
      {
        concurrencyLimit: 1,
        requestsRate: 1,
        requestsPeriodMs: 60_000,
        requestsBurst: 1,
        circuitBreaker: { failureThreshold: 1 },
        retry: { maxRetries: 2, baseDelayMs: 10 },
      },
      { clock },
    );
    const refusal = Object.assign(new Error('over budget'), { isTransient: true });
    const g = recordingGate(() => Promise.reject(refusal));
    let ran = 0;
    const refused = executor.submit(() => ran++, { gate: g.gate });
    await expect(refused.result()).rejects.toBe(refusal);
    expect(refused.status).toBe('FAILED');
    expect(refused.attempts).toBe(0);
    expect(ran).toBe(0);
    expect(g.closed).toEqual([{ status: 'FAILED', opened: false }]);
    // The single request token is still there and the breaker (threshold 1) is closed.
    const next = executor.submit(() => 'ran');
    await expect(next.result()).resolves.toBe('ran');
    expect(executor.snapshot().inFlight).toBe(0);
  });

  it('a synchronous throw in open is a refusal too', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create('gate-throw', { concurrencyLimit: 2, requestsRate: 100 }, { clock });
    const error = new Error('nope');
    const g = recordingGate(() => {
      throw error;
    });
    const ev = executor.submit(() => 'never', { gate: g.gate });
    await expect(ev.result()).rejects.toBe(error);
    expect(g.closed).toEqual([{ status: 'FAILED', opened: false }]);
  });

  it('close runs once on every terminal path: failed after retries, cancelled while queued, cancelled while opening, stop without drain', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'gate-paths',
      { concurrencyLimit: 1, requestsRate: 100, retry: { maxRetries: 1, baseDelayMs: 5, jitter: 0 } },
      { clock },
    );
    const failing = recordingGate();
    const f = executor.submit(
      () => {
        throw transient();
      },
      { gate: failing.gate },
    );
    f.result().catch(() => undefined);
    const queued = recordingGate();
    const q = executor.submit(() => 'q', { gate: queued.gate });
    q.cancel();
    await clock.advance(100);
    expect(f.status).toBe('FAILED');
    expect(f.attempts).toBe(2);
    expect(failing.closed).toEqual([{ status: 'FAILED', opened: true }]);
    expect(queued.calls).toEqual(['close:CANCELLED']);
    expect(queued.closed).toEqual([{ status: 'CANCELLED', opened: false }]);

    let release!: () => void;
    const opening = recordingGate(() => new Promise<void>((r) => (release = r)));
    let ran = 0;
    const o = executor.submit(() => ran++, { gate: opening.gate });
    o.result().catch(() => undefined);
    await clock.advance(0);
    o.cancel();
    expect(opening.closed).toEqual([{ status: 'CANCELLED', opened: false }]);
    release();
    await clock.advance(0);
    expect(ran).toBe(0);
    expect(executor.snapshot().inFlight).toBe(0);

    const waiting = recordingGate();
    const blocker = executor.submit(
      (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    blocker.result().catch(() => undefined);
    const w = executor.submit(() => 'w', { gate: waiting.gate });
    w.result().catch(() => undefined);
    await executor.stop({ drain: false });
    expect(waiting.closed).toEqual([{ status: 'CANCELLED', opened: false }]);
  });

  it('a throwing close is ignored: the event still ends and the executor goes on', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create('gate-close-throws', { concurrencyLimit: 1, requestsRate: 100 }, { clock });
    const gate: DispatchGate = {
      open: () => undefined,
      close: () => {
        throw new Error('bad close');
      },
    };
    await expect(executor.submit(() => 1, { gate }).result()).resolves.toBe(1);
    await expect(executor.submit(() => 2).result()).resolves.toBe(2);
    await expect(executor.stop()).resolves.toBeUndefined();
  });
});
