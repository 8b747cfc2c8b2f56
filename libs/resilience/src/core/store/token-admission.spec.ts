import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import type { StateOwner } from './store.js';
import { checkTokens, failOversized, queueOrReject } from './token-admission.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

const owner: StateOwner = { policy: 'openai', partitionKey: 'tenant-1', key: 'r:openai:tenant-1' };

describe('token admission helpers', () => {
  it('checkTokens accepts 0 < tokens <= max and otherwise names limiters.<policy>.tokens and the limit', () => {
    expect(() => checkTokens(owner, 5, 5, 'burst')).not.toThrow();
    for (const bad of [0, -1, Number.NaN, 6]) {
      expect(() => checkTokens(owner, bad, 5, 'burst')).toThrow(
        expect.objectContaining({
          path: 'limiters.openai.tokens',
          value: bad,
          expected: 'a number > 0 and <= burst (5)',
        }),
      );
    }
  });

  it('failOversized rejects only the waiters asking for more than the new limit, in order', () => {
    const clock = new VirtualClock(0);
    const q = new WaitQueue<Waiter>(clock, () => undefined);
    const log: string[] = [];
    for (const tokens of [1, 4, 2, 3]) {
      q.push({
        tokens,
        resolve: () => log.push(`ok ${tokens}`),
        reject: (e) => log.push(`${tokens}: ${(e as ResilienceConfigError).expected}`),
        signal: undefined,
        onAbort: undefined,
        done: false,
      });
    }
    failOversized(q, owner, 2, "the window's limit");
    expect(log).toEqual([
      "4: a number > 0 and <= the window's limit (2)",
      "3: a number > 0 and <= the window's limit (2)",
    ]);
    expect([q.size, q.tokens]).toEqual([2, 3]);
  });

  it('queueOrReject throws RateLimiterRejectedError beyond maxWaitMs, else queues and arms the head timer', async () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    const q = new WaitQueue<Waiter>(clock, () => {
      fired++;
      q.shift()?.resolve();
      q.compact();
    });
    const waitFor = (tokens: number) => tokens * 100; // 100 ms per token
    expect(() => queueOrReject(q, owner, 3, 299, undefined, waitFor)).toThrow(
      expect.objectContaining({ policy: 'openai', retryAfterMs: 300, tokens: 3, partitionKey: 'tenant-1' }),
    );
    expect(q.empty).toBe(true);
    const admitted = queueOrReject(q, owner, 2, 200, undefined, waitFor);
    // The second caller waits behind the first: its wait counts the 2 tokens queued ahead.
    expect(() => queueOrReject(q, owner, 1, 299, undefined, waitFor)).toThrow(RateLimiterRejectedError);
    expect([q.size, q.armed]).toEqual([1, true]);
    await clock.advance(199);
    expect(fired).toBe(0);
    await clock.advance(1);
    await expect(admitted).resolves.toBeUndefined();
    expect(fired).toBe(1);
  });
});
