import { VirtualClock } from '../core/clock.js';
import { Executor } from './executor.js';
import type { NetworkRequestEvent } from './network-request-event.js';

describe('Executor lanes', () => {
  it('an interactive event submitted after 500 batch events is admitted before every one still queued', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'mixed',
      {
        concurrencyLimit: 1,
        queueCapacity: 1000,
        requestsRate: 1e6,
        lanes: [{ name: 'interactive' }, { name: 'batch' }],
        defaultLane: 'batch',
      },
      { clock },
    );
    const order: string[] = [];
    const task = (label: string) => async () => {
      order.push(label);
      await new Promise<void>((r) => clock.setTimeout(r, 10));
      return label;
    };
    const batch: NetworkRequestEvent<string>[] = [];
    for (let i = 0; i < 500; i++) batch.push(executor.submit(task(`b${i}`)));
    expect(executor.snapshot().queuedByLane).toEqual({ interactive: 0, batch: 499 });
    const interactive = executor.submit(task('i'), { lane: 'interactive' });
    expect(executor.snapshot().queuedByLane).toEqual({ interactive: 1, batch: 499 });
    for (let i = 0; i < 1000 && batch.some((e) => e.status !== 'COMPLETED'); i++) await clock.advance(10);
    expect(interactive.status).toBe('COMPLETED');
    expect(order.indexOf('i')).toBe(1);
    expect(interactive.lane).toBe('interactive');
    expect(batch[1]!.processingStartedAt!).toBeGreaterThan(interactive.processingStartedAt!);
  });

  it('a capped lane never holds more than its share of the slots', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'capped',
      {
        concurrencyLimit: 4,
        queueCapacity: 100,
        requestsRate: 1e6,
        lanes: [{ name: 'interactive' }, { name: 'batch', maxShare: 0.5 }],
        defaultLane: 'batch',
      },
      { clock },
    );
    let inFlight = 0;
    let max = 0;
    const evs: NetworkRequestEvent<number>[] = [];
    for (let i = 0; i < 20; i++)
      evs.push(
        executor.submit(async () => {
          max = Math.max(max, ++inFlight);
          await new Promise<void>((r) => clock.setTimeout(r, 5));
          inFlight--;
          return i;
        }),
      );
    for (let i = 0; i < 200 && evs.some((e) => e.status !== 'COMPLETED'); i++) await clock.advance(5);
    expect(evs.every((e) => e.status === 'COMPLETED')).toBe(true);
    expect(max).toBe(2);
  });
});
