import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CircuitBreaker,
  CircuitBreakerOpenError,
  CircuitBreakerService,
  RateLimited,
  RateLimiterService,
  RateLimiterRejectedError,
  ResilienceModule,
  VirtualClock,
  WithRetry,
} from 'nest-resilience';

class Transient extends Error {
  readonly isTransient = true;
}

describe('one order of application, whatever order the decorators are written in', () => {
  const clock = new VirtualClock();

  @Injectable()
  class Upstream {
    calls = { a: 0, b: 0, c: 0, d: 0 };

    @WithRetry({ maxRetries: 5, baseDelayMs: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    @RateLimited({ rate: 2, periodMs: 60_000, mode: 'reject' })
    async retryAboveLimiter() {
      this.calls.a++;
      throw new Transient('down');
    }

    @RateLimited({ rate: 2, periodMs: 60_000, mode: 'reject' })
    @WithRetry({ maxRetries: 5, baseDelayMs: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    async limiterAboveRetry() {
      this.calls.b++;
      throw new Transient('down');
    }

    @WithRetry({ maxRetries: 5, baseDelayMs: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    @CircuitBreaker({ failureThreshold: 3, recoveryTimeMs: 30_000 })
    async retryAboveBreaker() {
      this.calls.c++;
      throw new Transient('down');
    }

    @CircuitBreaker({ failureThreshold: 3, recoveryTimeMs: 30_000 })
    @WithRetry({ maxRetries: 5, baseDelayMs: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    async breakerAboveRetry() {
      this.calls.d++;
      throw new Transient('down');
    }
  }

  let svc: Upstream;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ clock })],
      providers: [Upstream],
    }).compile();
    await moduleRef.init();
    svc = moduleRef.get(Upstream);
    close = () => moduleRef.close();
  });

  afterAll(() => close());

  it.each([
    ['retryAboveLimiter', 'a'],
    ['limiterAboveRetry', 'b'],
  ] as const)('%s: every retry takes tokens; the limiter stops the sequence', async (method, key) => {
    const error = await svc[method]().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimiterRejectedError);
    expect((error as RateLimiterRejectedError).retryAfterMs).toBeGreaterThan(1000);
    expect(svc.calls[key]).toBe(2);
  });

  it.each([
    ['retryAboveBreaker', 'c'],
    ['breakerAboveRetry', 'd'],
  ] as const)('%s: each attempt counts toward the breaker; an open breaker ends the sequence', async (method, key) => {
    const error = await svc[method]().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CircuitBreakerOpenError);
    expect((error as CircuitBreakerOpenError).retryAfterMs).toBe(30_000);
    expect(svc.calls[key]).toBe(3);
  });
});

describe('all six written orders of the three decorators apply retry ▸ breaker ▸ limiter', () => {
  type Kind = 'retry' | 'breaker' | 'limiter';
  const permutations = (xs: Kind[]): Kind[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  const clock = new VirtualClock();
  const retried: Record<string, number> = {};

  /** A provider class whose `call` carries the three decorators written top to bottom in `order`. */
  function stackClass(order: Kind[]) {
    const name = `Stack_${order.join('_')}`;
    class Stack {
      calls = 0;
      async call(): Promise<never> {
        this.calls++;
        throw new Transient('down');
      }
    }
    Object.defineProperty(Stack, 'name', { value: name });
    const decorators: Record<Kind, MethodDecorator> = {
      retry: WithRetry({
        maxRetries: 5,
        baseDelayMs: 0,
        jitter: 'none',
        maxRetryAfterMs: 1000,
        onRetry: () => (retried[name] = (retried[name] ?? 0) + 1),
      }),
      breaker: CircuitBreaker({ failureThreshold: 3, recoveryTimeMs: 30_000 }),
      limiter: RateLimited({ rate: 10, periodMs: 60_000, mode: 'reject' }),
    };
    // Reflect.decorate applies the list bottom-up, exactly as TypeScript applies written decorators.
    const descriptor = Object.getOwnPropertyDescriptor(Stack.prototype, 'call')!;
    const decorated = Reflect.decorate(
      order.map((k) => decorators[k]),
      Stack.prototype,
      'call',
      descriptor,
    ) as PropertyDescriptor | undefined;
    Object.defineProperty(Stack.prototype, 'call', decorated ?? descriptor);
    Injectable()(Stack);
    return Stack;
  }

  const orders = permutations(['retry', 'breaker', 'limiter']);
  const classes = orders.map(stackClass);
  let moduleRef: Awaited<ReturnType<ReturnType<typeof Test.createTestingModule>['compile']>>;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ clock })],
      providers: classes,
    }).compile();
    await moduleRef.init();
  });

  afterAll(() => moduleRef.close());

  it.each(orders.map((order, i) => [order.join(' above '), i] as const))('%s', async (_label, i) => {
    const Stack = classes[i]!;
    const name = Stack.name;
    const svc = moduleRef.get(Stack);
    const error = await svc.call().catch((e: unknown) => e);
    // Retry outermost: 3 attempts reach the method and count as 3 breaker failures; the 4th is
    // refused by the open breaker (30 s hint > maxRetryAfterMs), before it takes a token.
    expect(error).toBeInstanceOf(CircuitBreakerOpenError);
    expect((error as CircuitBreakerOpenError).policy).toBe(`${name}.call`);
    expect(svc.calls).toBe(3);
    expect(retried[name]).toBe(3);
    expect(moduleRef.get(CircuitBreakerService).snapshot(`${name}.call`)).toMatchObject({
      state: 'open',
      failures: 3,
      rejections: 1,
    });
    // Limiter innermost: only the 3 attempts the breaker admitted took a token.
    expect(moduleRef.get(RateLimiterService).snapshot(`${name}.call`)).toMatchObject({ available: 7, waiting: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });
});
