import { VirtualClock } from '../core/clock.js';
import { ResilienceConfigError } from '../core/errors/config.error.js';
import { isExecutorQueueFullError, isExecutorStoppedError } from './errors/index.js';
import { Executor } from './executor.js';
import type { ExecutorOptions, ExecutorTaskContext } from './executor.options.js';
import type { NetworkRequestEvent } from './network-request-event.js';
import { RequestStatus } from './request-status.js';

/** A task the test settles by hand; records its contexts. */
function manualTask<T = string>() {
  const calls: { ctx: ExecutorTaskContext; resolve: (v: T) => void; reject: (e: unknown) => void }[] = [];
  const task = (ctx: ExecutorTaskContext) =>
    new Promise<T>((resolve, reject) => {
      calls.push({ ctx, resolve, reject });
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  return { calls, task };
}

const base: ExecutorOptions = { concurrencyLimit: 2, requestsRate: 1000, requestsPeriodMs: 1000 };

function make(options: Partial<ExecutorOptions> = {}, clock = new VirtualClock(0)) {
  return { clock, executor: Executor.create('api', { ...base, ...options } as ExecutorOptions, { clock }) };
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
afterEach(() => expect(unhandled).toEqual([]));

describe('Executor lifecycle', () => {
  it('goes PENDING → QUEUED → PROCESSING → CALLING → COMPLETED, one timestamp per step, result() resolves', async () => {
    const { clock, executor } = make();
    const { calls, task } = manualTask();
    const seen: string[] = [];
    executor.onStatus((c) => seen.push(`${c.from}>${c.to}`));
    const ev = executor.submit(task, { tokens: 0, metadata: { job: 7 }, method: 'POST', url: '/v1/x' });
    expect(ev.createdAt).toBe(0);
    await clock.advance(5);
    expect(ev.status).toBe(RequestStatus.CALLING);
    await clock.advance(10);
    calls[0]!.resolve('ok');
    await expect(ev.result()).resolves.toBe('ok');
    expect(seen).toEqual(['PENDING>QUEUED', 'QUEUED>PROCESSING', 'PROCESSING>CALLING', 'CALLING>COMPLETED']);
    expect(ev.queuedAt).toBe(0);
    expect(ev.processingStartedAt).toBe(0);
    expect(ev.callStartedAt).toBe(0);
    expect(ev.completedAt).toBe(15);
    expect(ev.attempts).toBe(1);
    expect(ev.id).toBe('api-1');
    expect(ev.logs.every((l) => /^\d{4}-\d\d-\d\dT.*Z - /.test(l))).toBe(true);
    expect(ev.toJSON()).toMatchObject({ status: 'COMPLETED', metadata: { job: 7 }, method: 'POST', url: '/v1/x' });
  });

  it('goes CALLING → PROCESSING → CALLING between retries; timestamps set once; logs bounded', async () => {
    const { clock, executor } = make({ retry: { maxRetries: 30, baseDelayMs: 100, jitter: 'none' }, logLimit: 5 });
    let n = 0;
    const seen: string[] = [];
    executor.onStatus((c) => seen.push(c.to));
    const ev = executor.submit(async () => {
      if (++n < 3) throw Object.assign(new Error('flaky'), { isTransient: true });
      return 'done';
    });
    await clock.runAll();
    await expect(ev.result()).resolves.toBe('done');
    expect(ev.attempts).toBe(3);
    expect(seen).toEqual([
      'QUEUED',
      'PROCESSING',
      'CALLING',
      'PROCESSING',
      'CALLING',
      'PROCESSING',
      'CALLING',
      'COMPLETED',
    ]);
    expect(ev.callStartedAt).toBe(0);
    expect(ev.logs.length).toBe(5);
  });

  it('FAILED with errorType / errorMessage; nobody calling result() raises no unhandled rejection', async () => {
    const { clock, executor } = make();
    const ev = executor.submit(async () => {
      throw new TypeError('bad input');
    });
    await clock.advance(1);
    expect(ev.status).toBe('FAILED');
    expect(ev.errorType).toBe('TypeError');
    expect(ev.errorMessage).toBe('bad input');
    expect(ev.toJSON()).not.toHaveProperty('error');
  });
});

describe('Executor terminal states', () => {
  it('full queue, whenFull reject: submit throws ExecutorQueueFullError synchronously', () => {
    const { executor } = make({ concurrencyLimit: 1, queueCapacity: 1 });
    const { task } = manualTask();
    executor.submit(task);
    executor.submit(task);
    let thrown: unknown;
    try {
      executor.submit(task);
    } catch (e) {
      thrown = e;
    }
    expect(isExecutorQueueFullError(thrown)).toBe(true);
    expect(executor.snapshot()).toMatchObject({ inFlight: 1, queued: 1 });
  });

  it("full queue, whenFull 'wait': PENDING until a place frees, then runs (nothing lost)", async () => {
    const { clock, executor } = make({ concurrencyLimit: 1, queueCapacity: 1, whenFull: 'wait' });
    const { calls, task } = manualTask();
    const evs = [executor.submit(task), executor.submit(task), executor.submit(task), executor.submit(task)];
    expect(evs.map((e) => e.status)).toEqual(['CALLING', 'QUEUED', 'PENDING', 'PENDING']);
    expect(executor.snapshot().queued).toBe(3);
    for (let i = 0; i < 4; i++) {
      await clock.advance(1);
      calls[i]!.resolve(`r${i}`);
      await clock.advance(1);
    }
    expect(await Promise.all(evs.map((e) => e.result()))).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(evs[2]!.queuedAt).toBeGreaterThan(evs[2]!.createdAt);
  });

  it('stop() drains: every accepted event runs; submit then throws ExecutorStoppedError', async () => {
    const { clock, executor } = make({ concurrencyLimit: 1 });
    const { calls, task } = manualTask();
    const evs = [executor.submit(task), executor.submit(task), executor.submit(task)];
    let stopped = false;
    void executor.stop().then(() => (stopped = true));
    expect(() => executor.submit(task)).toThrow(expect.objectContaining({ isExecutorStoppedError: true }));
    for (let i = 0; i < 3; i++) {
      await clock.advance(1);
      expect(stopped).toBe(false);
      calls[i]!.resolve('x');
    }
    await clock.advance(1);
    expect(stopped).toBe(true);
    expect(evs.map((e) => e.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(executor.snapshot().running).toBe(false);
  });

  it('stop({ drain: false }) cancels calling, queued and pending events; the task signal aborts', async () => {
    const { clock, executor } = make({ concurrencyLimit: 1, queueCapacity: 1, whenFull: 'wait' });
    const { calls, task } = manualTask();
    const evs = [executor.submit(task), executor.submit(task), executor.submit(task)];
    await clock.advance(1);
    await executor.stop({ drain: false });
    expect(evs.map((e) => e.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    for (const e of evs) await expect(e.result()).rejects.toMatchObject({ isRequestCancelledError: true });
  });

  it('abort while queued leaves at once and frees the place for a pending event', async () => {
    const { clock, executor } = make({ concurrencyLimit: 1, queueCapacity: 1, whenFull: 'wait' });
    const { calls, task } = manualTask();
    const ac = new AbortController();
    const a = executor.submit(task);
    const b = executor.submit(task, { signal: ac.signal });
    const c = executor.submit(task);
    expect(c.status).toBe('PENDING');
    ac.abort();
    expect(b.status).toBe('CANCELLED');
    expect(c.status).toBe('QUEUED');
    calls[0]!.resolve('a');
    await clock.advance(1);
    expect(a.status).toBe('COMPLETED');
    expect(c.status).toBe('CALLING');
    expect(calls).toHaveLength(2);
  });

  it('abort while waiting on the limiter: CANCELLED at once, its token goes to the next event', async () => {
    const { clock, executor } = make({ concurrencyLimit: 3, requestsRate: 1, requestsPeriodMs: 1000 });
    const { calls, task } = manualTask();
    const ac = new AbortController();
    executor.submit(task);
    const waiting = executor.submit(task, { signal: ac.signal });
    const third = executor.submit(task);
    await clock.advance(10);
    expect(waiting.status).toBe('PROCESSING');
    ac.abort('user left');
    expect(waiting.status).toBe('CANCELLED');
    expect(waiting.errorMessage).toContain('user left');
    await clock.advance(1000);
    expect(third.status).toBe('CALLING');
    expect(calls).toHaveLength(2);
  });

  it('cancel() while calling: CANCELLED at once, task signal aborted, later outcome ignored', async () => {
    const { clock, executor } = make();
    let ctxSignal: AbortSignal | undefined;
    let finish!: () => void;
    const ev = executor.submit(
      (ctx) =>
        new Promise<string>((resolve) => {
          ctxSignal = ctx.signal;
          finish = () => resolve('late');
        }),
    );
    await clock.advance(1);
    expect(ev.cancel('no longer needed')).toBe(true);
    expect(ev.status).toBe('CANCELLED');
    expect(ctxSignal!.aborted).toBe(true);
    expect(ev.cancel()).toBe(false);
    finish();
    await clock.advance(1);
    expect(ev.status).toBe('CANCELLED');
    await expect(ev.result()).rejects.toMatchObject({ isRequestCancelledError: true });
    expect(executor.snapshot().inFlight).toBe(0);
  });

  it('an already aborted signal returns a CANCELLED event', () => {
    const { executor } = make();
    const ev = executor.submit(() => 'x', { signal: AbortSignal.abort() });
    expect(ev.status).toBe('CANCELLED');
  });

  it('rejects an unknown lane and bad options with ResilienceConfigError naming executors.<name>.<option>', () => {
    const { executor } = make();
    expect(() => executor.submit(() => 1, { lane: 'nope' })).toThrow(ResilienceConfigError);
    expect(() => Executor.create('x', { ...base, concurrencyLimit: 0 })).toThrow(/executors\.x\.concurrencyLimit/);
    expect(() => Executor.create('x', { ...base, whenFull: 'drop' as never })).toThrow(/executors\.x\.whenFull/);
    expect(() => Executor.create('x', { ...base, retry: 'named' })).toThrow(/executors\.x\.retry/);
    expect(() => isExecutorStoppedError(new Error())).not.toThrow();
  });
});

describe('Executor concurrency', () => {
  it('runs exactly concurrencyLimit tasks at once over 1,000 submissions', async () => {
    const { clock, executor } = make({ concurrencyLimit: 7, queueCapacity: 1000, requestsRate: 1e6 });
    let inFlight = 0;
    let max = 0;
    const evs: NetworkRequestEvent<number>[] = [];
    for (let i = 0; i < 1000; i++)
      evs.push(
        executor.submit(async () => {
          inFlight++;
          max = Math.max(max, inFlight);
          await new Promise<void>((r) => clock.setTimeout(r, 1 + (i % 5)));
          inFlight--;
          return i;
        }),
      );
    for (let i = 0; i < 2000 && evs.some((e) => e.status !== 'COMPLETED'); i++) await clock.advance(1);
    expect(evs.every((e) => e.status === 'COMPLETED')).toBe(true);
    expect(max).toBe(7);
  });
});
