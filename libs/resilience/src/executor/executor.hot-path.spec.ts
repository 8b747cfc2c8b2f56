import { VirtualClock } from '../core/clock.js';
import { Executor } from './executor.js';
import type { ExecutorOptions } from './executor.options.js';
import { RequestStatus } from './request-status.js';

const base: ExecutorOptions = { concurrencyLimit: 1, requestsRate: 1000, requestsPeriodMs: 1000 };

function make(options: Partial<ExecutorOptions> = {}, clock = new VirtualClock(Date.UTC(2026, 0, 1))) {
  return { clock, executor: Executor.create('hot', { ...base, ...options } as ExecutorOptions, { clock }) };
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
afterEach(() => expect(unhandled).toEqual([]));

/** An event whose task fails once (transient), then returns `value`, on an executor with `logLimit`; run to its end. */
async function retriedOnce(logLimit: number, value: unknown) {
  const { clock, executor } = make({ logLimit, retry: { maxRetries: 1, baseDelayMs: 100, jitter: 'none' } });
  let n = 0;
  const ev = executor.submit(async () => {
    if (++n === 1) throw Object.assign(new Error('flaky'), { isTransient: true });
    return value;
  });
  await clock.runAll();
  await expect(ev.result()).resolves.toBe(value);
  return ev;
}

describe('Executor hot path', () => {
  it('a task that never reads ctx.signal: cancel() while CALLING marks CANCELLED, the slot frees when the task settles', async () => {
    const { clock, executor } = make();
    let finish!: (v: string) => void;
    let ctxRef: { readonly signal: AbortSignal } | undefined;
    const ev = executor.submit(
      (ctx) =>
        new Promise<string>((resolve) => {
          ctxRef = ctx;
          finish = resolve;
        }),
    );
    const next = executor.submit(() => 'next');
    await clock.advance(1);
    expect(ev.status).toBe(RequestStatus.CALLING);
    expect(ev._signalIfAny).toBeUndefined(); // no AbortController made for a task that ignores it
    expect(ev.cancel('gone')).toBe(true);
    expect(ev.status).toBe(RequestStatus.CANCELLED);
    await expect(ev.result()).rejects.toMatchObject({ isRequestCancelledError: true, reason: 'gone' });
    // Nothing interrupted the task: it still holds the only slot, the next event waits.
    await clock.advance(1);
    expect(executor.snapshot().inFlight).toBe(1);
    expect(next.status).toBe(RequestStatus.QUEUED);
    // Read late, the signal is born aborted with the cancel error.
    expect(ctxRef!.signal.aborted).toBe(true);
    expect(ctxRef!.signal.reason).toMatchObject({ isRequestCancelledError: true });
    finish('late');
    await expect(next.result()).resolves.toBe('next');
    expect(ev.status).toBe(RequestStatus.CANCELLED);
  });

  it('frees the slot before result() continues: the next submit starts at once instead of queueing', async () => {
    const { executor } = make();
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      await executor.execute(() => Promise.resolve(i));
      const ev = executor.submit(() => i);
      statuses.push(ev.status);
      await ev.result();
    }
    expect(statuses).toEqual(['CALLING', 'CALLING', 'CALLING']);
    expect(executor.snapshot()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('execute() after stop() returns a rejected promise (ExecutorStoppedError); submit() throws', async () => {
    const { executor } = make();
    await executor.stop();
    let p: Promise<unknown> | undefined;
    expect(() => (p = executor.execute(() => 1))).not.toThrow();
    await expect(p).rejects.toMatchObject({ isExecutorStoppedError: true });
    expect(() => executor.submit(() => 1)).toThrow(expect.objectContaining({ isExecutorStoppedError: true }));
  });

  it('formats logs only when read: clock times as ISO, the status code of the call, the last logLimit entries', async () => {
    const { clock, executor } = make({ logLimit: 3 });
    const t0 = clock.now();
    const ev = executor.submit(async () => {
      await new Promise<void>((r) => clock.setTimeout(r, 250));
      return { status: 201, headers: {}, data: 'x' };
    });
    await clock.advance(300);
    await ev.result();
    expect(ev.logs).toEqual([
      `${new Date(t0).toISOString()} - Status changed from PROCESSING to CALLING`,
      `${new Date(t0 + 250).toISOString()} - Call completed with status code: 201`,
      `${new Date(t0 + 250).toISOString()} - Status changed from CALLING to COMPLETED`,
    ]);
    const { executor: wide } = make({ logLimit: 10 });
    const plain = wide.submit(() => 'v');
    await plain.result();
    expect(plain.logs.map((l) => l.slice(27))).toEqual([
      'Status changed from PENDING to QUEUED',
      'Status changed from QUEUED to PROCESSING',
      'Status changed from PROCESSING to CALLING',
      'Call completed',
      'Status changed from CALLING to COMPLETED',
    ]);
  });

  it('keeps the straight path implicit and stores every entry once the event leaves it, in order', async () => {
    const { clock, executor } = make({ logLimit: 10 });
    const t0 = clock.now();
    let finish!: (v: string) => void;
    const ev = executor.submit(() => new Promise<string>((r) => (finish = r)));
    expect(ev.queuedAt).toBe(t0);
    expect(ev.processingStartedAt).toBe(t0);
    expect(ev.callStartedAt).toBe(t0);
    await clock.advance(40);
    ev.cancel('user left');
    finish('late');
    await expect(ev.result()).rejects.toMatchObject({ isRequestCancelledError: true });
    expect(ev.logs.map((l) => [l.slice(0, 24), l.slice(27)])).toEqual([
      [new Date(t0).toISOString(), 'Status changed from PENDING to QUEUED'],
      [new Date(t0).toISOString(), 'Status changed from QUEUED to PROCESSING'],
      [new Date(t0).toISOString(), 'Status changed from PROCESSING to CALLING'],
      [new Date(t0 + 40).toISOString(), expect.stringMatching(/^Call failed: RequestCancelledError - .*user left/)],
      [new Date(t0 + 40).toISOString(), 'Status changed from CALLING to CANCELLED'],
    ]);
    // A retried call: the first pass, then every later entry, bounded by logLimit (oldest dropped).
    const flaky = await retriedOnce(4, { status: 200, headers: {}, data: 'ok' });
    expect(flaky.logs.map((l) => l.slice(27))).toEqual([
      'Retry 1 in 100 ms',
      'Status changed from PROCESSING to CALLING',
      'Call completed with status code: 200',
      'Status changed from CALLING to COMPLETED',
    ]);
    const again = await retriedOnce(20, 'ok');
    expect(again.logs.map((l) => l.slice(27))).toEqual([
      'Status changed from PENDING to QUEUED',
      'Status changed from QUEUED to PROCESSING',
      'Status changed from PROCESSING to CALLING',
      'Status changed from CALLING to PROCESSING',
      'Retry 1 in 100 ms',
      'Status changed from PROCESSING to CALLING',
      'Call completed',
      'Status changed from CALLING to COMPLETED',
    ]);
  });
});
