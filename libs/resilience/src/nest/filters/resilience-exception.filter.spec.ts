import 'reflect-metadata';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  Catch,
  Controller,
  Get,
  HttpException,
  Param,
  type ArgumentsHost,
  type INestApplication,
} from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import * as coreErrors from '../../core/errors/index.js';
import {
  BulkheadRejectedError,
  CircuitBreakerOpenError,
  RateLimiterRejectedError,
  ResilienceConfigError,
  StoreUnavailableError,
  TimeoutError,
} from '../../core/errors/index.js';
import {
  ClientClosedError,
  errorFromResponse,
  errorFromTransport,
  HeaderInjectionError,
  HostOverrideError,
  InvalidRequestError,
  UpstreamTimeoutError,
} from '../../http/errors/index.js';
import { ResilienceExceptionFilter } from './resilience-exception.filter.js';
import type { ResilienceErrorResponse } from './resilience-error-response.js';

const KEY = 'sk-canary-4242';
const UPSTREAM = { method: 'GET', url: `https://internal-upstream.example/v1/quotes?key=${KEY}`, secrets: [KEY] };

/** A second copy of the core errors, as a second install of the package would load them. */
let foreign: typeof coreErrors | undefined;
async function secondCopy(): Promise<typeof coreErrors> {
  if (foreign === undefined)
    await jest.isolateModulesAsync(async () => {
      foreign = await import('../../core/errors/index.js');
    });
  return foreign!;
}

const THROWN: Record<string, () => unknown | Promise<unknown>> = {
  breaker: () => new CircuitBreakerOpenError('payments', 1500.2),
  limiter: () => new RateLimiterRejectedError('quotes', 30_000, 1),
  bulkhead: () => new BulkheadRejectedError('db', 'queue-full', 4, 0),
  'bulkhead-hint': () => Object.assign(new BulkheadRejectedError('db', 'wait-timeout', 4, 8), { retryAfterMs: 2500 }),
  timeout: () => new TimeoutError('search', 2000, 'attempt'),
  store: () => new StoreUnavailableError('quotes', 'timed out'),
  'upstream-timeout': () => new UpstreamTimeoutError('GET timed out', { ...UPSTREAM, timeoutMs: 50 }),
  'upstream-404': () => errorFromResponse({ ...UPSTREAM, status: 404, body: { error: { message: `no ${KEY}` } } }),
  'upstream-503': () =>
    errorFromResponse({ ...UPSTREAM, status: 503, headers: { 'retry-after': '7' }, body: `down, key ${KEY}` }),
  'upstream-401': () => errorFromResponse({ ...UPSTREAM, status: 401, body: { error: { message: `bad key ${KEY}` } } }),
  'upstream-refused': () =>
    errorFromTransport(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443'), { code: 'ECONNREFUSED' }),
      UPSTREAM,
    ),
  closed: () => new ClientClosedError({ ...UPSTREAM, client: 'quotes' }),
  'invalid-request': () => new InvalidRequestError('invalid-path', 'bad path', UPSTREAM),
  'host-override': () => new HostOverrideError(UPSTREAM),
  'header-injection': () => new HeaderInjectionError('X-Evil\r\n', 'name'),
  config: () => new ResilienceConfigError('breakers.x.failureThreshold', -1, 'an integer >= 1'),
  'http-exception': () => new HttpException({ statusCode: 418, message: 'short and stout' }, 418),
  bug: () => new TypeError('undefined is not a function'),
  'foreign-breaker': async () => new (await secondCopy()).CircuitBreakerOpenError('payments', 999),
  'foreign-limiter': async () => new (await secondCopy()).RateLimiterRejectedError('quotes', 10, 1),
};

@Controller('fail')
class FailingController {
  @Get(':what')
  async fail(@Param('what') what: string): Promise<never> {
    throw await THROWN[what]!();
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(providers: unknown[] = [], setup?: (a: INestApplication) => void): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    controllers: [FailingController],
    providers: providers as never,
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  setup?.(app);
  await app.init();
  return app;
}

const get = (what: string) => request(app!.getHttpServer()).get(`/fail/${what}`);

describe('ResilienceExceptionFilter as APP_FILTER', () => {
  const viaProvider = () => start([{ provide: APP_FILTER, useClass: ResilienceExceptionFilter }]);

  it('open breaker → 503 with Retry-After in whole seconds (rounded up) and retryAfterMs', async () => {
    await viaProvider();
    const res = await get('breaker').expect(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: "Circuit breaker 'payments' is open; retry after 1501 ms",
      retryAfterMs: 1501,
    });
  });

  it('local limiter → 429 with Retry-After', async () => {
    await viaProvider();
    const res = await get('limiter').expect(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: "Rate limit 'quotes' exceeded: 1 token(s) available in 30000 ms",
      retryAfterMs: 30_000,
    });
  });

  it('bulkhead → 503, with Retry-After only when the error carries a hint', async () => {
    await viaProvider();
    const full = await get('bulkhead').expect(503);
    expect(full.headers['retry-after']).toBeUndefined();
    expect(full.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: "Bulkhead 'db' is full: 4 call(s) in flight and 0 queued",
    });
    const hinted = await get('bulkhead-hint').expect(503);
    expect(hinted.headers['retry-after']).toBe('3');
    expect(hinted.body.retryAfterMs).toBe(2500);
  });

  it('core TimeoutError → 504, StoreUnavailableError → 503, both with their own message', async () => {
    await viaProvider();
    expect((await get('timeout').expect(504)).body).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: "Timeout 'search': the attempt did not settle within 2000 ms",
    });
    expect((await get('store').expect(503)).body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: "Shared store unavailable for 'quotes': timed out",
    });
  });

  it('upstream failures → 504 / 404 / 502 / 503 with fixed messages, the upstream hint as Retry-After', async () => {
    await viaProvider();
    expect((await get('upstream-timeout').expect(504)).body).toEqual({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: 'Upstream service did not answer in time',
    });
    expect((await get('upstream-404').expect(404)).body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Upstream service does not know this resource',
    });
    const unavailable = await get('upstream-503').expect(502);
    expect(unavailable.headers['retry-after']).toBe('7');
    expect(unavailable.body).toEqual({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'Upstream service answered 503',
      retryAfterMs: 7000,
    });
    const auth = await get('upstream-401').expect(502);
    expect(auth.headers['retry-after']).toBeUndefined();
    expect(auth.body.message).toBe('Upstream service answered 401');
    expect((await get('upstream-refused').expect(502)).body.message).toBe('Upstream service is unreachable');
    expect((await get('closed').expect(503)).body.message).toBe('Upstream client is closed');
  });

  it('never shows the upstream URL, its key, its body or the provider message', async () => {
    await viaProvider();
    for (const what of Object.keys(THROWN).filter((w) => w.startsWith('upstream') || w.endsWith('request'))) {
      const res = await get(what);
      const shown = `${JSON.stringify(res.headers)} ${res.text}`;
      expect([what, shown.includes(KEY), shown.includes('internal-upstream'), shown.includes('10.0.0.7')]).toEqual([
        what,
        false,
        false,
        false,
      ]);
    }
  });

  it('recognises errors of a second copy of the package (brands, not instanceof)', async () => {
    await viaProvider();
    expect((await secondCopy()).CircuitBreakerOpenError).not.toBe(CircuitBreakerOpenError);
    const res = await get('foreign-breaker').expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body.retryAfterMs).toBe(999);
    await get('foreign-limiter').expect(429);
  });

  it('leaves everything else to Nest: HttpException keeps its status, bugs and caller errors are 500', async () => {
    await viaProvider();
    expect((await get('http-exception').expect(418)).body).toEqual({ statusCode: 418, message: 'short and stout' });
    for (const what of ['bug', 'invalid-request', 'host-override', 'header-injection', 'config']) {
      const res = await get(what);
      expect([what, res.status, res.body]).toEqual([what, 500, { statusCode: 500, message: 'Internal server error' }]);
    }
  });
});

describe('ResilienceExceptionFilter with app.useGlobalFilters', () => {
  it.each([
    ['the HttpAdapterHost', (a: INestApplication) => new ResilienceExceptionFilter(a.get(HttpAdapterHost))],
    ['the HTTP adapter', (a: INestApplication) => new ResilienceExceptionFilter(a.getHttpAdapter())],
  ])('given %s: maps library errors and delegates the rest', async (_what, make) => {
    await start([], (a) => a.useGlobalFilters(make(a)));
    expect((await get('limiter').expect(429)).headers['retry-after']).toBe('30');
    await get('http-exception').expect(418);
    await get('bug').expect(500);
  });

  it('without an adapter it fails loudly, naming the fix, instead of answering', () => {
    const filter = new ResilienceExceptionFilter();
    const host = { getType: () => 'http' } as unknown as ArgumentsHost;
    expect(() => filter.catch(new CircuitBreakerOpenError('b', 1), host)).toThrow(ResilienceConfigError);
    expect(() => filter.catch(new CircuitBreakerOpenError('b', 1), host)).toThrow(/APP_FILTER/);
  });

  it('outside HTTP (RPC, WebSocket) it rethrows the exception untouched', () => {
    const filter = new ResilienceExceptionFilter();
    const error = new CircuitBreakerOpenError('b', 1);
    expect(() => filter.catch(error, { getType: () => 'rpc' } as unknown as ArgumentsHost)).toThrow(error);
  });
});

describe('a subclass overriding toResponse', () => {
  @Catch()
  class WordedFilter extends ResilienceExceptionFilter {
    protected override toResponse(exception: unknown): ResilienceErrorResponse | undefined {
      const answer = super.toResponse(exception);
      if (answer === undefined || !coreErrors.isCircuitBreakerOpenError(exception)) return answer;
      return { ...answer, body: { ...answer.body, message: 'Payments are paused', circuit: exception.policy } };
    }
  }

  it('rewords and adds fields; the status and Retry-After stay', async () => {
    await start([{ provide: APP_FILTER, useClass: WordedFilter }]);
    const res = await get('breaker').expect(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Payments are paused',
      circuit: 'payments',
      retryAfterMs: 1501,
    });
    await get('limiter').expect(429);
    await get('bug').expect(500);
  });
});
