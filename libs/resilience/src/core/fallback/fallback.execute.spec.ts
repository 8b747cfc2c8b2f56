import { describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../clock.js';
import { BulkheadPolicy } from '../bulkhead/bulkhead.policy.js';
import { ResilienceConfigError } from '../errors/index.js';
import { createPipeline } from '../pipeline/pipeline.js';
import { observe } from '../testing-support/observe.js';
import { TimeoutPolicy } from '../timeout/timeout.policy.js';
import type { FallbackEvent } from './fallback.events.js';
import { FallbackPolicy } from './fallback.policy.js';

const transient = () => Object.assign(new Error('upstream 503'), { isTransient: true });

describe('FallbackPolicy.execute (fn(context))', () => {
  it('a handled failure resolves to the value; a success is returned as is', async () => {
    const p = FallbackPolicy.create('recs', { value: [] });
    const events: FallbackEvent[] = [];
    p.onFallback((e) => events.push(e));
    const error = transient();
    await expect(
      p.execute(() => {
        throw error;
      }),
    ).resolves.toEqual([]);
    expect(await p.execute(async () => ['a'])).toEqual(['a']);
    expect(events).toEqual([{ type: 'fallback', policy: 'recs', error }]);
  });

  it('an unhandled failure and a programming error are rethrown untouched', async () => {
    const p = FallbackPolicy.create('recs', { value: [], fallbackOn: (e) => !(e instanceof SyntaxError) });
    const plain = new SyntaxError('bad json');
    await expect(
      p.execute(() => {
        throw plain;
      }),
    ).rejects.toBe(plain);
    const bug = new TypeError('undefined is not a function');
    await expect(
      FallbackPolicy.create('all', { value: 1, fallbackOn: () => true }).execute(() => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  });

  it('an fn fallback gets the error and options.args', async () => {
    const p = FallbackPolicy.create('prices', { fn: (error, sku: string) => `${sku}: ${(error as Error).message}` });
    await expect(
      p.execute(
        () => {
          throw transient();
        },
        { args: ['sku-9'] },
      ),
    ).resolves.toBe('sku-9: upstream 503');
  });

  it('a method fallback has no instance under execute: ResilienceConfigError naming fallbacks.<name>.method', async () => {
    const p = FallbackPolicy.create('prices', { method: 'cached' });
    const e = await p
      .execute(() => {
        throw transient();
      })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ResilienceConfigError);
    expect((e as ResilienceConfigError).path).toBe('fallbacks.prices.method');
  });

  it('as the outer stage it catches a TimeoutError and a BulkheadRejectedError (both transient)', async () => {
    const clock = new VirtualClock(0);
    const pipeline = createPipeline({
      fallback: FallbackPolicy.create('f', { fn: (e) => `fallback after ${(e as Error).name}` }),
      timeout: TimeoutPolicy.create('t', { timeoutMs: 100 }, { clock }),
      bulkhead: BulkheadPolicy.create('b', { maxConcurrent: 1 }, { clock }),
      clock,
    });
    const slow = observe(pipeline.execute(() => new Promise(() => undefined)));
    const refused = await pipeline.execute(() => 'never runs');
    expect(refused).toBe('fallback after BulkheadRejectedError');
    await clock.advance(100);
    expect(slow).toMatchObject({ state: 'fulfilled', value: 'fallback after TimeoutError' });
    expect(clock.pendingTimers()).toBe(0);
  });
});
