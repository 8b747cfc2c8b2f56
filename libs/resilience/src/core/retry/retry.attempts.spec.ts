import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { ExecuteContext } from '../policy/execute-options.js';
import { RetryPolicy } from './retry.policy.js';
import { captureListenerErrors, observe } from '../testing-support/observe.js';
import {
  checkRetryHarness,
  clearStarts,
  clock,
  events,
  failing,
  make,
  markT0,
  resetRetryHarness,
  starts,
  TransientError,
} from './testing-support/retry-harness.js';

beforeEach(resetRetryHarness);
afterEach(checkRetryHarness);

describe('RetryPolicy: attempts', () => {
  it('maxRetries 3 → exactly 4 calls, then the last error', async () => {
    const errors = [1, 2, 3, 4, 5].map((i) => new TransientError(`e${i}`));
    const s = observe(make({ maxRetries: 3 }).execute(failing(errors)));
    await clock.runAll();
    expect(starts).toHaveLength(4);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(errors[3]);
  });

  it('maxRetries 0 → exactly 1 call', async () => {
    const err = new TransientError('once');
    const s = observe(make({ maxRetries: 0 }).execute(failing([], err)));
    await clock.runAll();
    expect(starts).toEqual([0]);
    expect(s.error).toBe(err);
    expect(events).toEqual([]);
  });

  it('the default is 3 retries (4 calls)', async () => {
    const s = observe(make({}).execute(failing([], new TransientError('x'))));
    await clock.runAll();
    expect(starts).toHaveLength(4);
    expect(s.state).toBe('rejected');
  });

  it('returns the first success, passing attempt numbers 1, 2, 3 and the signal', async () => {
    const seen: ExecuteContext[] = [];
    const ac = new AbortController();
    const s = observe(
      make({ maxRetries: 5 }).execute(
        (ctx) => {
          seen.push({ ...ctx });
          if (ctx.attempt < 3) throw new TransientError('t');
          return 42;
        },
        { signal: ac.signal },
      ),
    );
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 42 });
    expect(seen).toEqual([
      { attempt: 1, signal: ac.signal },
      { attempt: 2, signal: ac.signal },
      { attempt: 3, signal: ac.signal },
    ]);
  });

  it('a synchronous success does not schedule a timer or call onRetry', async () => {
    await expect(make({}).execute(() => 'sync')).resolves.toBe('sync');
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toEqual([]);
  });

  it('maxRetries Infinity keeps retrying until success', async () => {
    const errors = Array.from({ length: 12 }, () => new TransientError('t'));
    const s = observe(make({ maxRetries: Infinity, maxDelayMs: 1_000 }).execute(failing(errors)));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@12' });
    expect(starts).toHaveLength(13);
  });
});

describe('RetryPolicy: onRetry', () => {
  it('a throwing onRetry does not change the outcome, and is called for every retry', async () => {
    const reported = captureListenerErrors();
    let hookCalls = 0;
    const p = RetryPolicy.create(
      'r',
      {
        jitter: 'none',
        baseDelayMs: 100,
        maxRetries: 3,
        onRetry: () => {
          hookCalls++;
          throw new Error('hook bug');
        },
      },
      { clock },
    );
    const s = observe(p.execute(failing([new TransientError('a'), new TransientError('b')])));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@2' });
    expect(starts).toEqual([0, 100, 300]);
    expect(hookCalls).toBe(2);
    expect(reported).toHaveLength(2);

    clearStarts();
    markT0();
    const err = new TransientError('last');
    const s2 = observe(p.execute(failing([], err)));
    await clock.runAll();
    expect(s2.error).toBe(err);
    expect(starts).toHaveLength(4);
  });
});

describe('RetryPolicy.nextDelay', () => {
  it('returns −1 once retries are spent or the error is not retryable', () => {
    const p = make({ maxRetries: 2 });
    const t = new TransientError('t');
    expect([1, 2, 3].map((n) => p.nextDelay(t, n, 0))).toEqual([100, 200, -1]);
    expect(p.nextDelay(new Error('plain'), 1, 0)).toBe(-1);
  });
});
