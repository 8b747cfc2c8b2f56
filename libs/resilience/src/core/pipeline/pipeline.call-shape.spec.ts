import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { CircuitBreakerOpenError, RateLimiterRejectedError } from '../errors/index.js';
import { createPipeline } from './pipeline.js';
import { observe } from '../testing-support/observe.js';
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
  TransientError,
} from './testing-support/pipeline-harness.js';

beforeEach(resetPipelineHarness);
afterEach(checkPipelineHarness);

describe('createPipeline: pass-through and call shape', () => {
  it('with no policies returns a pass-through that keeps this, args, result and error', async () => {
    const run = createPipeline({});
    expect(run.name).toBe('passThrough');
    const target = {
      base: 10,
      add(this: { base: number }, a: number, b: number) {
        return this.base + a + b;
      },
    };
    await expect(run(target.add, target, [1, 2])).resolves.toBe(13);
    const err = new TransientError('t');
    let calls = 0;
    await expect(
      run(
        () => {
          calls++;
          throw err;
        },
        undefined,
        [],
      ),
    ).rejects.toBe(err);
    expect(calls).toBe(1);
  });

  it('with every policy, passes `this` and the arguments to fn unchanged', async () => {
    const run = createPipeline({
      retry: retryP({ maxRetries: 1 }),
      breaker: breakerP({}),
      limiter: limiterP({ rate: 10 }),
      clock,
    });
    const seen: unknown[] = [];
    const target = {
      base: 'svc',
      async call(this: { base: string }, ...args: unknown[]) {
        seen.push(this, args);
        if (seen.length === 2) throw new TransientError('first');
        return `${this.base}:${args.join(',')}`;
      },
    };
    const s = observe(run(target.call, target, ['a', 1, null]));
    await clock.runAll();
    expect(s).toEqual({ state: 'fulfilled', value: 'svc:a,1,' });
    expect(seen).toEqual([target, ['a', 1, null], target, ['a', 1, null]]);
  });

  it('a success goes through without a timer or retry event', async () => {
    const run = createPipeline({ retry: retryP({}), breaker: breakerP({}), limiter: limiterP({ rate: 10 }), clock });
    await expect(run(() => 7, undefined, [])).resolves.toBe(7);
    expect(clock.pendingTimers()).toBe(0);
    expect(events).toEqual([]);
  });

  it('retry alone: maxRetries 3 → 4 calls at 0, 100, 300, 700', async () => {
    const err = new TransientError('t');
    const s = await drive(createPipeline({ retry: retryP({ maxRetries: 3 }), clock }), failing([], err));
    expect(s.error).toBe(err);
    expect(starts).toEqual([0, 100, 300, 700]);
    expect(events.map((e) => [e.retry, e.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
    ]);
  });
});

describe('createPipeline: the call arguments select partitions and token counts', () => {
  it("the limiter's tokens and partitionKey functions and the breaker's partitionKey see the call's arguments", async () => {
    interface Req {
      tenant: string;
      cost: number;
    }
    const limiter = limiterP({
      rate: 10,
      periodMs: 60_000,
      mode: 'reject',
      tokens: (r: Req) => r.cost,
      partitionKey: (r: Req) => r.tenant,
    });
    const breaker = breakerP({ failureThreshold: 1, partitionKey: (r: Req) => r.tenant });
    const run = createPipeline({ breaker, limiter, clock });
    const call = (r: Req, fn: () => Promise<string> = async () => r.tenant) => observe(run(fn, undefined, [r]));
    await clock.advance(0);
    const a = call({ tenant: 'acme', cost: 7 });
    const b = call({ tenant: 'globex', cost: 4 });
    await clock.advance(0);
    expect([a.value, b.value]).toEqual(['acme', 'globex']);
    expect(limiter.snapshot('acme').available).toBe(3);
    expect(limiter.snapshot('globex').available).toBe(6);
    const over = call({ tenant: 'acme', cost: 4 });
    await clock.advance(0);
    expect(over.error).toBeInstanceOf(RateLimiterRejectedError);
    expect((over.error as RateLimiterRejectedError).tokens).toBe(4);
    expect((over.error as RateLimiterRejectedError).partitionKey).toBe('acme');
    const down = call({ tenant: 'globex', cost: 1 }, async () => {
      throw new TransientError('globex down');
    });
    await clock.advance(0);
    expect(down.error).toBeInstanceOf(TransientError);
    expect(breaker.state('globex')).toBe('open');
    expect(breaker.state('acme')).toBe('closed');
    const refused = call({ tenant: 'globex', cost: 1 });
    await clock.advance(0);
    expect((refused.error as CircuitBreakerOpenError).partitionKey).toBe('globex');
    const fine = call({ tenant: 'acme', cost: 1 });
    await clock.advance(0);
    expect(fine.value).toBe('acme');
  });
});
