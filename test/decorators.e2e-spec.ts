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
  RateLimitExceededError,
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
  @WithRetry({ maxRetries: 1, baseDelay: 0, jitter: 'none' })
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
  async whoAmI(delayMs: number) {
    await new Promise((r) => setTimeout(r, delayMs));
    return this.req.headers['x-user'];
  }
}

@Controller('me')
class MeController {
  constructor(private readonly svc: PerRequestService) {}

  @Get(':delay')
  get(@Param('delay') delay: string) {
    return this.svc.whoAmI(Number(delay));
  }
}

describe('decorated controllers and providers', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ResilienceModule.forRoot({ breakers: { shared: { failureThreshold: 2 } } })],
      controllers: [GuardedController, MeController],
      providers: [HeaderGuard, PerRequestService],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app.close();
  });

  it.each(['above', 'below'])('keeps routing, params, guards and `this` with Nest decorators %s ours', async (where) => {
    await request(app.getHttpServer()).get(`/guarded/${where}/7`).expect(403);
    const res = await request(app.getHttpServer()).get(`/guarded/${where}/7`).set('x-allow', 'yes').expect(200);
    expect(res.body).toEqual({ id: '7', self: true });
  });

  it('names default breakers ClassName.methodName and creates them at bootstrap', () => {
    const names = app.get(CircuitBreakerService).names();
    expect(names).toEqual(expect.arrayContaining(['shared', 'GuardedController.above', 'GuardedController.below']));
  });

  it('gives a request-scoped provider its own request, even for concurrent calls', async () => {
    const server = app.getHttpServer();
    const [slow, fast] = await Promise.all([
      request(server).get('/me/20').set('x-user', 'alice'),
      request(server).get('/me/1').set('x-user', 'bob'),
    ]);
    expect(slow.text).toBe('alice');
    expect(fast.text).toBe('bob');
  });
});

describe('one order of application, whatever order the decorators are written in', () => {
  const clock = new VirtualClock();

  @Injectable()
  class Upstream {
    calls = { a: 0, b: 0, c: 0, d: 0 };

    @WithRetry({ maxRetries: 5, baseDelay: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    @RateLimited({ rate: 2, period: 60_000, mode: 'reject' })
    async retryAboveLimiter() {
      this.calls.a++;
      throw new Transient('down');
    }

    @RateLimited({ rate: 2, period: 60_000, mode: 'reject' })
    @WithRetry({ maxRetries: 5, baseDelay: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    async limiterAboveRetry() {
      this.calls.b++;
      throw new Transient('down');
    }

    @WithRetry({ maxRetries: 5, baseDelay: 0, jitter: 'none', maxRetryAfterMs: 1000 })
    @CircuitBreaker({ failureThreshold: 3, recoveryTime: 30_000 })
    async retryAboveBreaker() {
      this.calls.c++;
      throw new Transient('down');
    }

    @CircuitBreaker({ failureThreshold: 3, recoveryTime: 30_000 })
    @WithRetry({ maxRetries: 5, baseDelay: 0, jitter: 'none', maxRetryAfterMs: 1000 })
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
    expect(error).toBeInstanceOf(RateLimitExceededError);
    expect((error as RateLimitExceededError).retryAfterMs).toBeGreaterThan(1000);
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

  it.each([
    [{ limiters: { openai: { rate: -5 } } }, /limiters\.openai\.rate: -5/],
    [{ retries: { default: { baseDelay: Number.NaN } } }, /retries\.default\.baseDelay: NaN/],
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
    const moduleRef = await Test.createTestingModule({ imports: [ResilienceModule.forRoot()], providers: [Search] }).compile();
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
          useFactory: (config: { threshold: number }) => ({ breakers: { fromConfig: { failureThreshold: config.threshold } } }),
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
