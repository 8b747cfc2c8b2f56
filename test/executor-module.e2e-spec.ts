// ResilienceExecutorModule end to end: a real node:http upstream, ApiClient calls through named
// executors, retry / breaker by name from ResilienceModule, the health endpoint, drain on shutdown.
import 'reflect-metadata';
import { Controller, Get, Global, Injectable, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { CircuitBreakerService, ResilienceConfigError, ResilienceModule } from 'nest-resilience';
import {
  Executor,
  ExecutorRegistry,
  ExecutorStoppedError,
  InjectExecutor,
  ResilienceExecutorModule,
  getExecutorToken,
} from 'nest-resilience/executor';
import { ExecutorHealthIndicator, ResilienceHealthModule } from 'nest-resilience/health';
import { ApiClient, InjectApiClient, ResilienceHttpModule } from 'nest-resilience/http';
import { startTestServer, type TestServer } from '../libs/resilience/src/http/testing-support/http-test-server.js';

let srv: TestServer;
/** Server-side counts: requests by path, requests in flight now and at most. */
let hits: Record<string, number>;
let inFlight = 0;
let maxInFlight = 0;
/** Releases the held `/hold` requests. */
let releaseHeld: () => void;
let held: Promise<void>;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  releaseHeld?.();
  await srv.close();
});
beforeEach(() => {
  hits = {};
  inFlight = maxInFlight = 0;
  held = new Promise((r) => (releaseHeld = r));
  srv.handle = (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const n = (hits[path] = (hits[path] ?? 0) + 1);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = (status: number, body: unknown) => {
      inFlight--;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/flaky') return n < 3 ? answer(503, { error: 'busy' }) : answer(200, { attempt: n });
    if (path === '/down') return answer(503, { error: 'down' });
    if (path === '/slow') return void setTimeout(() => answer(200, { slow: true }), 20);
    if (path === '/hold') return void held.then(() => answer(200, { held: true }));
    answer(200, { ok: true, path });
  };
});

@Injectable()
class FakeConfigService {
  get(key: string): number {
    return ({ SEARCH_CONCURRENCY: 1, SEARCH_RPS: 20 } as Record<string, number>)[key]!;
  }
}

@Global()
@Module({ providers: [FakeConfigService], exports: [FakeConfigService] })
class FakeConfigModule {}

@Injectable()
class Completions {
  constructor(
    @InjectExecutor('openai') readonly executor: Executor,
    @InjectExecutor('search') readonly search: Executor,
    @InjectApiClient('upstream') readonly client: ApiClient,
  ) {}

  get(path: string, lane?: string): Promise<unknown> {
    return this.executor.execute(({ signal }) => this.client.request('GET', path, { signal }), lane ? { lane } : {});
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly executors: ExecutorHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.executors.isHealthy('executors', { maxQueued: { interactive: 5 } })]);
  }
}

function appModule(extra: DynamicModule[] = [], httpLast = false) {
  const http = ResilienceHttpModule.registerClient({ name: 'upstream', baseUrl: srv.baseUrl, timeoutMs: 5_000 });
  @Module({
    imports: [
      FakeConfigModule,
      ...(httpLast ? [] : [http]),
      ResilienceModule.forRoot({
        retries: { openai: { maxRetries: 2, baseDelayMs: 5, jitter: 'none' } },
        breakers: { openai: { failureThreshold: 6, recoveryTimeMs: 60_000 } },
      }),
      ResilienceExecutorModule.forRoot({
        shutdownTimeoutMs: 10_000,
        executors: {
          openai: {
            concurrencyLimit: 2,
            requestsRate: 1000,
            queueCapacity: 100,
            lanes: [{ name: 'interactive' }, { name: 'batch', maxShare: 0.5 }],
            defaultLane: 'batch',
            retry: 'openai',
            circuitBreaker: 'openai',
          },
        },
      }),
      ResilienceExecutorModule.registerExecutorAsync({
        name: 'search',
        inject: [FakeConfigService],
        useFactory: (config: FakeConfigService) => ({
          concurrencyLimit: config.get('SEARCH_CONCURRENCY'),
          requestsRate: config.get('SEARCH_RPS'),
        }),
      }),
      TerminusModule,
      ResilienceHealthModule,
      ...extra,
      ...(httpLast ? [http] : []),
    ],
    providers: [Completions],
    controllers: [HealthController],
  })
  class AppModule {}
  return AppModule;
}

async function start(extra?: DynamicModule[], httpLast = false): Promise<INestApplication> {
  const app = await NestFactory.create(appModule(extra, httpLast), { logger: false });
  await app.init();
  return app;
}

describe('ResilienceExecutorModule e2e', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    releaseHeld();
    await app?.close();
    app = undefined;
  });

  it('injects executors by name; a submitted call through the ApiClient resolves with the upstream body', async () => {
    app = await start();
    const completions = app.get(Completions);
    await expect(completions.get('/json')).resolves.toEqual({ ok: true, path: '/json' });
    const event = completions.executor.submit(() => completions.client.request('GET', '/json'), {
      metadata: { user: 'u1' },
    });
    await expect(event.result()).resolves.toEqual({ ok: true, path: '/json' });
    expect(event.status).toBe('COMPLETED');
    expect(app.get(getExecutorToken('openai'))).toBe(completions.executor);
    expect(app.get(ExecutorRegistry).names()).toEqual(['openai', 'search']);
  });

  it('registerExecutorAsync with a ConfigService-like factory: its concurrency holds at the server', async () => {
    app = await start();
    const { search, client } = app.get(Completions);
    expect(search.snapshot().concurrencyLimit).toBe(1);
    const all = Array.from({ length: 5 }, () => search.execute(() => client.request('GET', '/slow')));
    await Promise.all(all);
    expect(hits['/slow']).toBe(5);
    expect(maxInFlight).toBe(1);
  });

  it('openai: at most concurrencyLimit (2) requests at the server, and the batch lane (maxShare 0.5) at most 1', async () => {
    app = await start();
    const completions = app.get(Completions);
    await Promise.all(Array.from({ length: 20 }, () => completions.get('/slow', 'interactive')));
    expect(hits['/slow']).toBe(20);
    expect(maxInFlight).toBe(2);
    maxInFlight = 0;
    await Promise.all(Array.from({ length: 6 }, () => completions.get('/slow')));
    expect(hits['/slow']).toBe(26);
    expect(maxInFlight).toBe(1);
  });

  it("retry: 'openai' from ResilienceModule retries 503s; circuitBreaker: 'openai' counts the failures", async () => {
    app = await start();
    const completions = app.get(Completions);
    // Two 503s, then 200: the named retry (2 retries) gets through; the server saw 3 requests.
    await expect(completions.get('/flaky')).resolves.toEqual({ attempt: 3 });
    expect(hits['/flaky']).toBe(3);
    // Always 503: 3 attempts each; after 2 calls the named breaker (threshold 6) is open.
    await expect(completions.get('/down')).rejects.toMatchObject({ status: 503 });
    await expect(completions.get('/down')).rejects.toMatchObject({ status: 503 });
    expect(hits['/down']).toBe(6);
    expect(app.get(CircuitBreakerService).state('openai')).toBe('open');
  });

  it('GET /health reports each executor: in flight, queue depth and oldest wait per lane; no metadata', async () => {
    app = await start();
    await app.listen(0, '127.0.0.1');
    const completions = app.get(Completions);
    const calls = Array.from({ length: 5 }, () => completions.get('/hold'));
    completions.executor.submit(() => completions.client.request('GET', '/hold'), {
      lane: 'interactive',
      metadata: { apiKey: 'sk-do-not-show' },
    });
    for (let i = 0; i < 200 && inFlight < 2; i++) await new Promise((r) => setTimeout(r, 5));
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    const openai = res.body.info.executors.executors.openai;
    expect(res.body.info.executors).toMatchObject({ status: 'up', unhealthy: [] });
    expect(openai).toMatchObject({ running: true, inFlight: 2, concurrencyLimit: 2, queueCapacity: 100 });
    expect(openai.queued).toBe(4);
    expect(Object.keys(openai.queuedByLane)).toEqual(['interactive', 'batch']);
    expect(openai.queuedByLane.interactive + openai.queuedByLane.batch).toBe(4);
    expect(Object.keys(openai.oldestWaitMs)).toEqual(['interactive', 'batch']);
    expect(openai.oldestWaitMs.batch).toBeGreaterThanOrEqual(0);
    expect(res.body.info.executors.executors.search).toMatchObject({ inFlight: 0, queued: 0, problems: [] });
    expect(JSON.stringify(res.body)).not.toContain('sk-do-not-show');
    releaseHeld();
    await Promise.all(calls);
  });

  it.each([
    ['before', false],
    ['after', true],
  ])(
    'shutdown drains (ResilienceHttpModule imported %s): app.close() waits for queued and running calls, which all complete through the ApiClient; then submit throws',
    async (_where, httpLast) => {
      app = await start([], httpLast);
      const completions = app.get(Completions);
      const calls = Array.from({ length: 6 }, () => completions.get('/hold', 'interactive'));
      for (let i = 0; i < 200 && inFlight < 2; i++) await new Promise((r) => setTimeout(r, 5));
      expect(completions.executor.snapshot()).toMatchObject({ inFlight: 2, queued: 4 });
      let closed = false;
      const closing = app.close().then(() => (closed = true));
      app = undefined;
      await new Promise((r) => setTimeout(r, 50));
      expect(closed).toBe(false);
      expect(completions.executor.snapshot().running).toBe(false);
      releaseHeld();
      await closing;
      await expect(Promise.all(calls)).resolves.toEqual(Array(6).fill({ held: true }));
      expect(hits['/hold']).toBe(6);
      expect(() => completions.executor.submit(async () => 1)).toThrow(ExecutorStoppedError);
    },
  );

  it('shutdownTimeoutMs bounds the drain: past it, what is left is cancelled and the shutdown goes on', async () => {
    @Module({
      imports: [
        ResilienceExecutorModule.forRoot({
          shutdownTimeoutMs: 100,
          executors: { stuck: { concurrencyLimit: 1, requestsRate: 100 } },
        }),
      ],
    })
    class Short {}
    const short = await NestFactory.create(Short, { logger: false });
    await short.init();
    const stuck = short.get(ExecutorRegistry).get('stuck');
    const client = new ApiClient({ name: 'raw', baseUrl: srv.baseUrl });
    const running = stuck.submit(({ signal }) => client.request('GET', '/hold', { signal }));
    const queued = stuck.submit(() => client.request('GET', '/json'));
    for (let i = 0; i < 200 && inFlight < 1; i++) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await short.close();
    expect(Date.now() - t0).toBeLessThan(5_000);
    await expect(queued.result()).rejects.toBeDefined();
    expect(queued.status).toBe('CANCELLED');
    await expect(running.result()).rejects.toBeDefined();
    expect(hits['/json']).toBeUndefined();
    await client.close();
  });
});

describe('ResilienceExecutorModule e2e: bootstrap errors', () => {
  it('a mistyped @InjectExecutor name fails the bootstrap naming the token and the class', async () => {
    @Injectable()
    class Typo {
      constructor(@InjectExecutor('opneai') readonly e: Executor) {}
    }
    @Module({
      imports: [ResilienceExecutorModule.forRoot({ executors: { openai: { concurrencyLimit: 1, requestsRate: 1 } } })],
      providers: [Typo],
    })
    class Bad {}
    await expect(NestFactory.create(Bad, { logger: false, abortOnError: false })).rejects.toThrow(
      getExecutorToken('opneai'),
    );
  });

  it('bad options fail naming executors.<name>.<option> and the value', async () => {
    @Module({
      imports: [ResilienceExecutorModule.registerExecutor({ name: 'openai', concurrencyLimit: 1, requestsRate: -5 })],
    })
    class Bad {}
    const err = await NestFactory.create(Bad, { logger: false, abortOnError: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect((err as Error).message).toBe(
      'Invalid resilience option executors.openai.requestsRate: -5 (expected a number > 0)',
    );
  });
});
