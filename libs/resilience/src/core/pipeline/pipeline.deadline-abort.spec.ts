import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createPipeline } from './pipeline.js';
import { RetryPolicy } from '../retry/retry.policy.js';
import { captureListenerErrors, observe } from '../testing-support/observe.js';
import {
  breakerP,
  checkPipelineHarness,
  clock,
  drive,
  events,
  failing,
  limiterP,
  resetPipelineHarness,
  retryP,
  starts,
  T0,
  TransientError,
} from './testing-support/pipeline-harness.js';

beforeEach(resetPipelineHarness);
afterEach(checkPipelineHarness);

describe('createPipeline: deadline, abort, hooks', () => {
  it('maxElapsedMs is measured on the pipeline clock: a wait past the deadline is not started', async () => {
    const err = new TransientError('t');
    const s = await drive(
      createPipeline({ retry: retryP({ maxRetries: 10, maxElapsedMs: 650 }), clock }),
      failing([], err),
    );
    expect(s.error).toBe(err);
    expect(starts).toEqual([0, 100, 300]);
  });

  it('abort during a wait rejects at once with signal.reason; no further attempt, no timer, no breaker trial leaked', async () => {
    const breaker = breakerP({ failureThreshold: 10 });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), breaker, limiter: limiterP({ rate: 100 }), clock });
    const ac = new AbortController();
    const s = observe(run(failing([], new TransientError('t')), undefined, [], ac.signal));
    await clock.advance(150);
    expect(starts).toEqual([0, 100]);
    expect(clock.pendingTimers()).toBe(1);
    const reason = new Error('cancelled');
    ac.abort(reason);
    await clock.advance(0);
    expect(s.state).toBe('rejected');
    expect(s.error).toBe(reason);
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(60_000);
    expect(starts).toEqual([0, 100]);
    expect(breaker.snapshot().failures).toBe(2);
  });

  it("abort while an attempt runs: the attempt's error is rethrown, no retry event, no further call", async () => {
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), clock });
    const ac = new AbortController();
    const err = new TransientError('t');
    const s = await drive(
      run,
      async () => {
        starts.push(clock.now() - T0);
        ac.abort(new Error('reason'));
        throw err;
      },
      ac.signal,
    );
    expect(s.error).toBe(err);
    expect(starts).toEqual([0]);
    expect(events).toEqual([]);
  });

  it('an already-aborted signal makes no call and takes no permit or token', async () => {
    const breaker = breakerP({ failureThreshold: 1, recoveryTimeMs: 1_000 });
    const limiter = limiterP({ rate: 1, periodMs: 60_000 });
    const run = createPipeline({ retry: retryP({}), breaker, limiter, clock });
    const ac = new AbortController();
    ac.abort('stop');
    const s = await drive(run, failing([], new Error('must not run')), ac.signal);
    expect(s).toEqual({ state: 'rejected', error: 'stop' });
    expect(starts).toEqual([]);
    expect(limiter.snapshot().available).toBe(1);
    expect(breaker.snapshot()).toMatchObject({ failures: 0, successes: 0, rejections: 0 });
  });

  it('abort while queued at a wait-mode limiter rejects with the reason and never calls fn', async () => {
    const limiter = limiterP({ rate: 1, periodMs: 10_000 });
    const run = createPipeline({ retry: retryP({ maxRetries: 3 }), limiter, clock });
    await expect(run(async () => 'first', undefined, [])).resolves.toBe('first');
    const ac = new AbortController();
    const s = observe(run(failing([], new Error('must not run')), undefined, [], ac.signal));
    await clock.advance(5_000);
    expect(s.state).toBe('pending');
    ac.abort('bye');
    await clock.advance(0);
    expect(s).toEqual({ state: 'rejected', error: 'bye' });
    expect(starts).toEqual([]);
    expect(limiter.snapshot().waiting).toBe(0);
  });

  it('a throwing onRetry does not change the outcome (its error goes to the listener-error reporter)', async () => {
    const reported = captureListenerErrors();
    const retry = RetryPolicy.create(
      'r',
      {
        jitter: 'none',
        baseDelayMs: 100,
        maxRetries: 3,
        onRetry: () => {
          throw new Error('hook bug');
        },
      },
      { clock },
    );
    const s = await drive(createPipeline({ retry, breaker: breakerP({}), clock }), failing([new TransientError('a')]));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@1' });
    expect(starts).toEqual([0, 100]);
    expect(reported.map((e) => (e as Error).message)).toEqual(['hook bug']);
  });
});
