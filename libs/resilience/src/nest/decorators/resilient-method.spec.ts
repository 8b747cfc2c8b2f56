import 'reflect-metadata';
import { CircuitBreaker } from './circuit-breaker.decorator.js';
import { RateLimited } from './rate-limited.decorator.js';
import { methodSpecOf } from './resilient-method.js';
import { WithRetry } from './with-retry.decorator.js';

const KEY = 'test:meta';
const Meta =
  (value: string): MethodDecorator =>
  (_t, _k, d) => {
    Reflect.defineMetadata(KEY, value, d.value as object);
    return d;
  };

class Sample {
  @Meta('below-us')
  @CircuitBreaker()
  @WithRetry('fast')
  @RateLimited({ rate: 5 })
  async work(a: number, b: number) {
    return a + b;
  }

  @CircuitBreaker()
  @Meta('above-us')
  async other() {
    return 1;
  }
}

describe('resilience method decorators', () => {
  it('install one trampoline holding every policy of the method', () => {
    const spec = methodSpecOf(Sample.prototype.work);
    expect(spec).toMatchObject({
      className: 'Sample',
      methodName: 'work',
      isStatic: false,
      refs: { breaker: {}, retry: 'fast', limiter: { rate: 5 } },
    });
  });

  it('keep the name, arity and metadata of the method', () => {
    expect(Sample.prototype.work.name).toBe('work');
    expect(Sample.prototype.work.length).toBe(2);
    expect(Reflect.getMetadata(KEY, Sample.prototype.work)).toBe('below-us');
    expect(Reflect.getMetadata(KEY, Sample.prototype.other)).toBe('above-us');
  });

  it('keep the design-time types Nest reads for parameters', () => {
    expect(Reflect.getMetadata('design:paramtypes', Sample.prototype, 'work')).toEqual([Number, Number]);
  });

  it('reject the same decorator twice on one method', () => {
    expect(() => {
      class Twice {
        @CircuitBreaker()
        @CircuitBreaker()
        async m() {
          return 1;
        }
      }
      return Twice;
    }).toThrow('@CircuitBreaker is applied twice to Twice.m');
  });

  it('reject a non-method target', () => {
    const descriptor = { value: 42 } as PropertyDescriptor;
    expect(() => CircuitBreaker()(Sample.prototype, 'x', descriptor)).toThrow(
      '@CircuitBreaker can only decorate methods',
    );
  });
});
