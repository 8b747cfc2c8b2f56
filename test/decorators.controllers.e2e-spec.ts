import 'reflect-metadata';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Inject,
  Injectable,
  Param,
  Scope,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CircuitBreaker, CircuitBreakerService, ResilienceModule, WithRetry } from 'nest-resilience';

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
