import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { RateLimiterRejectedError } from '../errors/index.js';
import { createPipeline } from './pipeline.js';
import {
  checkPipelineHarness,
  clock,
  drive,
  events,
  failing,
  limiterP,
  resetPipelineHarness,
  retryP,
  starts,
  TransientError,
} from './testing-support/pipeline-harness.js';

beforeEach(resetPipelineHarness);
afterEach(checkPipelineHarness);

describe('createPipeline: retry ▸ limiter (every attempt takes tokens)', () => {
  it('a reject-mode limiter with rate 2 stops a 5-retry sequence after 2 calls', async () => {
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ retry: retryP({ maxRetries: 5, maxRetryAfterMs: 1_000 }), limiter, clock });
    const s = await drive(run, failing([], new TransientError('t')));
    expect(starts).toEqual([0, 100]);
    expect(s.state).toBe('rejected');
    expect(s.error).toBeInstanceOf(RateLimiterRejectedError);
    const e = s.error as RateLimiterRejectedError;
    expect(e.policy).toBe('l');
    expect(e.tokens).toBe(1);
    // Third attempt at t=300: 0.01 token refilled, 0.99 missing at 2 per 60 s.
    expect(e.retryAfterMs).toBeCloseTo(29_700, 3);
    // Two retry waits happened; the limiter's hint (29.7 s > maxRetryAfterMs) ended the sequence.
    expect(events.map((ev) => ev.delayMs)).toEqual([100, 200]);
  });

  it("when the limiter's hint is within maxRetryAfterMs, the retry waits exactly that long and the attempt is admitted", async () => {
    const limiter = limiterP({ rate: 2, periodMs: 60_000, mode: 'reject' });
    const run = createPipeline({ retry: retryP({ maxRetries: 5 }), limiter, clock });
    const s = await drive(run, failing([new TransientError('a'), new TransientError('b')]));
    expect(s).toEqual({ state: 'fulfilled', value: 'ok@2' });
    expect(events.map((ev) => ev.error instanceof RateLimiterRejectedError)).toEqual([false, false, true]);
    expect(events[2]!.delayMs).toBeCloseTo(29_700, 3);
    expect(starts).toHaveLength(3);
    expect(starts[2]).toBeCloseTo(30_000, 3);
  });

  it('a wait-mode limiter delays each retry until its token is there', async () => {
    const limiter = limiterP({ rate: 1, periodMs: 1_000, burst: 1 });
    const run = createPipeline({ retry: retryP({ maxRetries: 2 }), limiter, clock });
    const err = new TransientError('t');
    const s = await drive(run, failing([], err));
    expect(s.error).toBe(err);
    // Backoff ends at 100 and 1200, but tokens only come at 1000 and 2000.
    expect(starts).toEqual([0, 1_000, 2_000]);
    expect(limiter.snapshot().waiting).toBe(0);
  });
});
