import 'reflect-metadata';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Scope,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
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

@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    return ctx.switchToHttp().getRequest().headers['x-allow'] === 'yes';
  }
}

@Controller('guarded')
class GuardedController {
  calls = 0;

  // Nest decorators above ours.
  @Get('above/:id')
  @UseGuards(HeaderGuard)
  @CircuitBreaker()
  above(@Param('id') id: string) {
    this.calls++;
    return { id, self: this instanceof GuardedController };
  }

  // Nest decorators below ours.
  @CircuitBreaker()
  @WithRetry({ maxRetries: 1, baseDelayMs: 0, jitter: 'none' })
  @UseGuards(HeaderGuard)
  @Get('below/:id')
  below(@Param('id') id: string) {
    this.calls++;
    return { id, self: this instanceof GuardedController };
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  constructor(@Inject(REQUEST) private readonly req: { headers: Record<string, string> }) {}

  @CircuitBreaker('shared')
  @WithRetry()
  async whoAmI(mode: string) {
    if (mode === 'wait') {
      // Parked until the test lets it go, so another request is served meanwhile.
      gate.reached();
      await gate.released;
    }
    return this.req.headers['x-user'];
  }
}

/** Lets the test hold one request inside the request-scoped method (no real sleeps). */
const gate = { reached: () => {}, released: Promise.resolve(), release: () => {} };
function armGate(): Promise<void> {
  const reached = new Promise<void>((resolve) => (gate.reached = resolve));
  gate.released = new Promise<void>((resolve) => (gate.release = resolve));
  return reached;
}

@Controller('me')
class MeController {
  constructor(private readonly svc: PerRequestService) {}

  @Get(':mode')
  get(@Param('mode') mode: string) {
    return this.svc.whoAmI(mode);
  }
}

describe('decorated controllers and providers', () => {
  let app: INestApplication;
  let namesAtBoot: string[];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ breakers: { shared: { failureThreshold: 2 } } })],
      controllers: [GuardedController, MeController],
      providers: [HeaderGuard, PerRequestService],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    // Before any request: the explorer created them while bootstrapping.
    namesAtBoot = app.get(CircuitBreakerService).names();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['above', 'below'])(
    'keeps routing, params, guards and `this` with Nest decorators %s ours',
    async (where) => {
      await request(app.getHttpServer()).get(`/guarded/${where}/7`).expect(403);
      const res = await request(app.getHttpServer()).get(`/guarded/${where}/7`).set('x-allow', 'yes').expect(200);
      expect(res.body).toEqual({ id: '7', self: true });
      // The route really runs through its breaker, and the guard runs before it: the refused
      // request never reached the method, the allowed one counted as the breaker's one success.
      expect(app.get(CircuitBreakerService).snapshot(`GuardedController.${where}`)).toMatchObject({
        successes: 1,
        failures: 0,
        rejections: 0,
      });
    },
  );

  it('a decorated controller route goes through its policies: an open breaker refuses the request', async () => {
    const breakers = app.get(CircuitBreakerService);
    const controller = app.get(GuardedController);
    const before = controller.calls;
    breakers.forceOpen('GuardedController.above');
    try {
      const res = await request(app.getHttpServer()).get('/guarded/above/8').set('x-allow', 'yes');
      expect(res.status).toBe(500);
      expect(controller.calls).toBe(before);
      expect(breakers.snapshot('GuardedController.above').rejections).toBe(1);
    } finally {
      breakers.reset('GuardedController.above');
    }
    await request(app.getHttpServer()).get('/guarded/above/8').set('x-allow', 'yes').expect(200);
    expect(controller.calls).toBe(before + 1);
  });

  it('names default breakers ClassName.methodName and creates them at bootstrap', () => {
    expect(namesAtBoot).toEqual(
      expect.arrayContaining(['shared', 'GuardedController.above', 'GuardedController.below']),
    );
    expect(namesAtBoot).toHaveLength(3);
  });

  it('gives a request-scoped provider its own request, even for concurrent calls', async () => {
    const server = app.getHttpServer();
    const reached = armGate();
    // alice's call enters the decorated method and stays there...
    const slowRes = request(server)
      .get('/me/wait')
      .set('x-user', 'alice')
      .then((res) => res);
    await reached;
    // ...while bob's request is served by another instance of the provider.
    const fast = await request(server).get('/me/go').set('x-user', 'bob');
    expect(fast.text).toBe('bob');
    gate.release();
    const slow = await slowRes;
    expect(slow.text).toBe('alice');
    // Both calls went through the configured breaker the provider names.
    expect(app.get(CircuitBreakerService).snapshot('shared')).toMatchObject({ successes: 2, failures: 0 });
  });
});

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

describe('bootstrap validation', () => {
  it('fails app.init() when a decorator names a policy that does not exist', async () => {
    @Injectable()
    class Payments {
      @CircuitBreaker('paymnets')
      async charge() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ breakers: { payments: {} } })],
      providers: [Payments],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(
      /@CircuitBreaker on Payments\.charge: "paymnets" \(expected one of the configured breakers: payments\)/,
    );
  });

  it('fails app.init() when a decorated controller method names a policy that does not exist', async () => {
    @Controller('pay')
    class PayController {
      @Get()
      @WithRetry('idempotnet')
      pay() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ retries: { idempotent: {} } })],
      controllers: [PayController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(
      'Invalid resilience option @WithRetry on PayController.pay: "idempotnet" (expected one of the configured retries: idempotent)',
    );
    await app.close();
  });

  it.each([
    [{ limiters: { openai: { rate: -5 } } }, /limiters\.openai\.rate: -5/],
    [{ retries: { default: { baseDelayMs: Number.NaN } } }, /retries\.default\.baseDelayMs: NaN/],
    [{ limiters: { openai: { rate: 10, burst: 2, tokens: 5 } } }, /limiters\.openai\.burst: 2/],
    [{ breakers: { x: { failureTreshold: 3 } } }, /breakers\.x\.failureTreshold/],
    [{ breakerz: {} }, /breakerz/],
  ])('rejects bad options at bootstrap, naming the option and the value (%#)', async (options, message) => {
    const moduleRef = Test.createTestingModule({ imports: [ResilienceModule.forRoot(options as never)] });
    await expect(moduleRef.compile()).rejects.toThrow(message);
  });

  it('rejects bad inline decorator options at bootstrap, naming the method', async () => {
    @Injectable()
    class Search {
      @RateLimited({ rate: 0 })
      async find() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot()],
      providers: [Search],
    }).compile();
    await expect(moduleRef.init()).rejects.toThrow(/@RateLimited on Search\.find\.rate: 0/);
  });
});

describe('forRootAsync', () => {
  const CONFIG = 'CONFIG';

  @Module({ providers: [{ provide: CONFIG, useValue: { threshold: 1 } }], exports: [CONFIG] })
  class ConfigModule {}

  @Injectable()
  class Flaky {
    @CircuitBreaker('fromConfig')
    async call() {
      throw new Transient('nope');
    }
  }

  it('builds the options with a factory that injects other providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { threshold: number }) => ({
            breakers: { fromConfig: { failureThreshold: config.threshold } },
          }),
        }),
      ],
      providers: [Flaky],
    }).compile();
    await moduleRef.init();
    await expect(moduleRef.get(Flaky).call()).rejects.toThrow('nope');
    expect(moduleRef.get(CircuitBreakerService).state('fromConfig')).toBe('open');
    await moduleRef.close();
  });
});
