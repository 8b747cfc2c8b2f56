import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { observe } from '../testing-support/observe.js';
import type { RetryGiveUpEvent, RetryScheduledEvent } from './retry.events.js';
import type { RetryOptions } from './retry.options.js';
import { RetryPolicy } from './retry.policy.js';

class TransientError extends Error {
  readonly isTransient = true;
}

let clock: VirtualClock;

beforeEach(() => {
  clock = new VirtualClock(0);
});

afterEach(() => {
  expect(clock.pendingTimers()).toBe(0);
});

const make = (o: RetryOptions = {}) =>
  RetryPolicy.create('r', { maxRetries: 2, baseDelayMs: 100, jitter: 'none', ...o }, { clock });

function listen(p: RetryPolicy) {
  const retries: RetryScheduledEvent[] = [];
  const giveUps: RetryGiveUpEvent[] = [];
  return { retries, giveUps, subs: [p.onRetry((e) => retries.push(e)), p.onGiveUp((e) => giveUps.push(e))] };
}

describe('RetryPolicy events', () => {
  it('retry.scheduled for each retry, then retry.giveup once retries are spent', async () => {
    const p = make();
    const { retries, giveUps } = listen(p);
    const errors = [1, 2, 3].map((i) => new TransientError(`e${i}`));
    const s = observe(p.execute(({ attempt }) => Promise.reject(errors[attempt - 1])));
    await clock.runAll();
    expect(s.error).toBe(errors[2]);
    expect(retries).toEqual([
      { type: 'retry.scheduled', policy: 'r', attempt: 1, retry: 1, delayMs: 100, error: errors[0] },
      { type: 'retry.scheduled', policy: 'r', attempt: 2, retry: 2, delayMs: 200, error: errors[1] },
    ]);
    expect(giveUps).toEqual([{ type: 'retry.giveup', policy: 'r', attempts: 3, error: errors[2] }]);
  });

  it('a non-retryable error gives up after one attempt; a success emits nothing', async () => {
    const p = make();
    const { retries, giveUps } = listen(p);
    const plain = new Error('plain');
    await expect(p.execute(() => Promise.reject(plain))).rejects.toBe(plain);
    await expect(p.execute(() => 'ok')).resolves.toBe('ok');
    expect(retries).toEqual([]);
    expect(giveUps).toEqual([{ type: 'retry.giveup', policy: 'r', attempts: 1, error: plain }]);
  });

  it("the caller's abort ends the call without a give-up event", async () => {
    const p = make();
    const { retries, giveUps } = listen(p);
    const ac = new AbortController();
    const s = observe(p.execute(() => Promise.reject(new TransientError('t')), { signal: ac.signal }));
    await clock.advance(50);
    ac.abort('stop');
    await clock.advance(0);
    expect(s.error).toBe('stop');
    expect(retries).toHaveLength(1);
    expect(giveUps).toEqual([]);
  });

  it('the onRetry option subscribes once; disposed listeners hear nothing more', async () => {
    const fromOption: RetryScheduledEvent[] = [];
    const p = make({ onRetry: (e) => fromOption.push(e) });
    const { retries, giveUps, subs } = listen(p);
    for (const s of subs) s.dispose();
    const s = observe(p.execute(() => Promise.reject(new TransientError('t'))));
    await clock.runAll();
    expect(s.state).toBe('rejected');
    expect(fromOption.map((e) => e.attempt)).toEqual([1, 2]);
    expect(retries).toEqual([]);
    expect(giveUps).toEqual([]);
  });
});
