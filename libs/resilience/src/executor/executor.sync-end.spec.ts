import { VirtualClock } from '../core/clock.js';
import { isCircuitBreakerOpenError } from '../core/errors/circuit-breaker-open.error.js';
import { Executor } from './executor.js';

const transient = () => Object.assign(new Error('upstream down'), { isTransient: true });

// An event can end inside submit (an open breaker refuses it at once, a task throws
// synchronously): it must leave the executor's live list, or stop() never resolves.
describe('Executor: events that end inside submit', () => {
  it('calls refused by an open breaker leave nothing live: stop() resolves, with and without drain', async () => {
    for (const drain of [true, false]) {
      const clock = new VirtualClock(0);
      const executor = Executor.create(
        'sync-end',
        { concurrencyLimit: 1, requestsRate: 100, circuitBreaker: { failureThreshold: 1 } },
        { clock },
      );
      const first = executor.submit(() => {
        throw transient();
      });
      await clock.advance(1);
      expect(first.status).toBe('FAILED');
      const refused = Array.from({ length: 5 }, () => executor.submit(async () => 'never'));
      await clock.advance(0);
      expect(refused.every((ev) => ev.status === 'FAILED' && isCircuitBreakerOpenError(ev.error))).toBe(true);
      let stopped = false;
      void executor.stop({ drain }).then(() => (stopped = true));
      await clock.advance(0);
      expect(stopped).toBe(true);
    }
  });

  it('an aborted signal on a call that ended inside submit is not linked (no listener left behind)', async () => {
    const clock = new VirtualClock(0);
    const executor = Executor.create(
      'sync-end-signal',
      { concurrencyLimit: 1, requestsRate: 100, circuitBreaker: { failureThreshold: 1 } },
      { clock },
    );
    executor.submit(() => {
      throw transient();
    });
    await clock.advance(1);
    const controller = new AbortController();
    const ev = executor.submit(async () => 'never', { signal: controller.signal });
    await clock.advance(0);
    expect(ev.status).toBe('FAILED');
    controller.abort();
    expect(ev.status).toBe('FAILED');
    await expect(executor.stop()).resolves.toBeUndefined();
  });
});
