import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { observe } from '../testing-support/observe.js';
import {
  checkRetryHarness,
  clock,
  events,
  failing,
  make,
  resetRetryHarness,
  starts,
  T0,
  TransientError,
} from './testing-support/retry-harness.js';

beforeEach(resetRetryHarness);
afterEach(checkRetryHarness);

describe('RetryPolicy: AbortSignal', () => {
  it('abort during a wait rejects at once with signal.reason; no further attempt, no timer left', async () => {
    const ac = new AbortController();
    const s = observe(make({ maxRetries: 5 }).execute(failing([], new TransientError('t')), { signal: ac.signal }));
    await clock.advance(150);
    expect(starts).toEqual([0, 100]);
    expect(clock.pendingTimers()).toBe(1);
    const reason = new Error('caller gave up');
    ac.abort(reason);
    await clock.advance(0); // microtasks only, no time passes
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(10_000);
    expect(starts).toEqual([0, 100]);
    expect(events).toHaveLength(2);
  });

  it('an already-aborted signal makes no call', async () => {
    const ac = new AbortController();
    const reason = new Error('already');
    ac.abort(reason);
    let calls = 0;
    await expect(
      make({}).execute(
        () => {
          calls++;
          return 1;
        },
        { signal: ac.signal },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('abort while an attempt runs: its error is rethrown and nothing is retried', async () => {
    const ac = new AbortController();
    const err = new TransientError('t');
    const s = observe(
      make({ maxRetries: 5 }).execute(
        async () => {
          starts.push(clock.now() - T0);
          ac.abort();
          throw err;
        },
        { signal: ac.signal },
      ),
    );
    await clock.runAll();
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
  });

  it('sleep(): rejects at once for an aborted signal, resolves without a timer for 0 ms', async () => {
    const p = make({});
    const ac = new AbortController();
    ac.abort('why');
    await expect(p.sleep(100, ac.signal)).rejects.toBe('why');
    await expect(p.sleep(0)).resolves.toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
    const s = observe(p.sleep(100, new AbortController().signal));
    await clock.advance(99);
    expect(s.state).toBe('pending');
    await clock.advance(1);
    expect(s.state).toBe('fulfilled');
  });
});
