import { describe, expect, it, jest } from '@jest/globals';
import { BulkheadRejectedError } from '../errors/bulkhead-rejected.error.js';
import { CircuitBreakerOpenError, ResilienceConfigError, RateLimiterRejectedError } from '../errors/index.js';
import { TimeoutError } from '../errors/timeout.error.js';
import type { FallbackStage } from '../pipeline/stages.js';
import type { FallbackEvent } from './fallback.events.js';
import { normalizeFallbackOptions } from './fallback.normalize.js';
import { FallbackPolicy } from './fallback.policy.js';

class UpstreamDown extends Error {}
class Forbidden extends Error {}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('FallbackPolicy.handles', () => {
  const byDefault = FallbackPolicy.create('d', { value: 'cached' });

  it("by default handles this library's refusals and timeouts (transient), not plain errors", () => {
    expect(byDefault.handles(new CircuitBreakerOpenError('b', 10))).toBe(true);
    expect(byDefault.handles(new RateLimiterRejectedError('l', 10, 1))).toBe(true);
    expect(byDefault.handles(new BulkheadRejectedError('h', 'queue-full', 1, 0))).toBe(true);
    expect(byDefault.handles(new TimeoutError('t', 100, 'attempt'))).toBe(true);
    expect(byDefault.handles(new Error('plain'))).toBe(false);
    expect(byDefault.handles(new DOMException('aborted', 'AbortError'))).toBe(false);
  });

  it.each([
    ['TypeError', new TypeError('x is not a function')],
    ['ReferenceError', new ReferenceError('y is not defined')],
    ['SyntaxError', new SyntaxError('bad JSON')],
    ['RangeError', new RangeError('invalid array length')],
    ['EvalError', new EvalError('e')],
    ['URIError', new URIError('malformed')],
    ['a TypeError subclass', new (class BadInput extends TypeError {})('b')],
    ['ResilienceConfigError', new ResilienceConfigError('breakers.x.failureThreshold', 0, 'an integer >= 1')],
    ['a transient-looking TypeError', Object.assign(new TypeError('t'), { isTransient: true })],
  ])('never handles a programming error (%s), whatever fallbackOn says', (_label, error) => {
    expect(byDefault.handles(error)).toBe(false);
    expect(FallbackPolicy.create('all', { value: 1, fallbackOn: () => true }).handles(error)).toBe(false);
    expect(FallbackPolicy.create('cls', { value: 1, fallbackOn: [Error] }).handles(error)).toBe(false);
  });

  it('fallbackOn classes or predicate choose the errors; excludeOn wins', () => {
    const byClass = FallbackPolicy.create('c', { value: 1, fallbackOn: [UpstreamDown], excludeOn: [Forbidden] });
    expect(byClass.handles(new UpstreamDown())).toBe(true);
    expect(byClass.handles(new TimeoutError('t', 1, 'total'))).toBe(false); // the default is replaced
    const both = FallbackPolicy.create('b', { value: 1, fallbackOn: () => true, excludeOn: [Forbidden] });
    expect(both.handles(new Forbidden())).toBe(false);
    expect(both.handles(new Error('any'))).toBe(true);
    const single = FallbackPolicy.create('s', { value: 1, fallbackOn: UpstreamDown as never });
    expect(single.handles(new UpstreamDown())).toBe(true);
  });

  it('a throwing filter counts as "do not fall back" (the caller gets its own error)', () => {
    const p = FallbackPolicy.create('t', {
      value: 1,
      fallbackOn: () => {
        throw new Error('buggy filter');
      },
    });
    expect(p.handles(new UpstreamDown())).toBe(false);
    const ex = FallbackPolicy.create('e', {
      value: 1,
      fallbackOn: () => true,
      excludeOn: () => {
        throw new Error('buggy');
      },
    });
    expect(ex.handles(new UpstreamDown())).toBe(false);
  });
});

describe('FallbackPolicy.fallback', () => {
  it('value: returns the value as is, the same reference each time', () => {
    const empty: string[] = [];
    const p: FallbackStage = FallbackPolicy.create('v', { value: empty });
    expect(p.fallback(new Error('x'), undefined, [])).toBe(empty);
    expect(FallbackPolicy.create('u', { value: undefined }).fallback(new Error('x'), undefined, [])).toBeUndefined();
  });

  it('fn: called with (error, ...args) and this = the instance; its result (or promise) is returned', async () => {
    const error = new UpstreamDown('down');
    const fn = jest.fn(function (this: unknown, e: unknown, sku: string, qty: number) {
      return { self: this, e, sku, qty };
    });
    const instance = { shop: true };
    const p = FallbackPolicy.create('f', { fn });
    expect(p.fallback(error, instance, ['sku-1', 3])).toEqual({ self: instance, e: error, sku: 'sku-1', qty: 3 });
    const asyncP = FallbackPolicy.create('a', { fn: async (_e: unknown, id: number) => id * 2 });
    await expect(asyncP.fallback(error, undefined, [21])).resolves.toBe(42);
  });

  it('fn: what it throws propagates', () => {
    const p = FallbackPolicy.create('f', {
      fn: () => {
        throw new Error('no cache either');
      },
    });
    expect((thrown(() => p.fallback(new UpstreamDown(), undefined, [])) as Error).message).toBe('no cache either');
  });

  it('method: calls thisArg[method](error, ...args) with this = the instance', () => {
    class PriceService {
      last = 9.5;
      cachedPrice(error: unknown, sku: string) {
        return { price: this.last, sku, error };
      }
    }
    const svc = new PriceService();
    const error = new TimeoutError('prices', 100, 'attempt');
    const p = FallbackPolicy.create('prices', { method: 'cachedPrice' });
    expect(p.fallback(error, svc, ['a-1'])).toEqual({ price: 9.5, sku: 'a-1', error });
  });

  it('method: an instance without it (or no instance) throws ResilienceConfigError naming fallbacks.<name>.method', () => {
    const p = FallbackPolicy.create('prices', { method: 'cachedPrice' });
    class Other {
      cachedPrice = 5; // not a function
    }
    for (const thisArg of [new Other(), {}, undefined, null]) {
      const e = thrown(() => p.fallback(new UpstreamDown(), thisArg, []));
      expect(e).toBeInstanceOf(ResilienceConfigError);
      expect((e as ResilienceConfigError).path).toBe('fallbacks.prices.method');
      expect((e as ResilienceConfigError).value).toBe('cachedPrice');
    }
    expect((thrown(() => p.fallback(1, new Other(), [])) as Error).message).toContain('an instance of Other');
  });

  it('onFallback hears each fallback with policy and error; dispose stops it', () => {
    const p = FallbackPolicy.create('v', { value: 1 });
    const seen: FallbackEvent[] = [];
    const sub = p.onFallback((e) => seen.push(e));
    const error = new UpstreamDown('x');
    p.fallback(error, undefined, []);
    sub.dispose();
    p.fallback(error, undefined, []);
    expect(seen).toEqual([{ type: 'fallback', policy: 'v', error }]);
  });

  it('the constructor trusts normalized options; deps must be an object', () => {
    const p = new FallbackPolicy('n', normalizeFallbackOptions({ value: 7 }, 'fallbacks.n'));
    expect(p.fallback(new Error(), undefined, [])).toBe(7);
    const e = thrown(() => FallbackPolicy.create('n', { value: 7 }, 5 as never));
    expect((e as ResilienceConfigError).path).toBe('fallbacks.n.deps');
  });
});
