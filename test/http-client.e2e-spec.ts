import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { inspect } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { ResilienceConfigError, ResilienceModule, VirtualClock, WithRetry } from 'nest-resilience';
import {
  ApiClient,
  ApiClientRegistry,
  Endpoint,
  EndpointRegistry,
  HeaderInjectionError,
  InjectApiClient,
  InjectEndpoint,
  UpstreamRateLimitError,
  ResilienceHttpModule,
  getApiClientToken,
} from 'nest-resilience/http';
import {
  startTestServer,
  waitFor,
  type TestServer,
} from '../libs/resilience/src/http/testing-support/http-test-server.js';

let srv: TestServer;
let quoteCalls = 0;

/** How the first /quote answer says "retry in 3 s" (`now`: the virtual clock's time). */
interface Hint {
  headers: Record<string, string> | ((now: number) => Record<string, string>);
  body: unknown;
}
/** The clock of the app under test (HTTP-date hints are written against it). */
let appClock: VirtualClock | undefined;
const HINTS: Record<string, Hint> = {
  'Retry-After: 3': {
    headers: { 'retry-after': '3' },
    body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } },
  },
  // VirtualClock starts on a whole second, so the date is exactly 3 s ahead.
  'Retry-After: <HTTP date 3 s ahead>': {
    headers: (now) => ({ 'retry-after': new Date(now + 3000).toUTCString() }),
    body: { error: { message: 'Rate limit reached' } },
  },
  'retry-after-ms: 3000': {
    headers: { 'retry-after-ms': '3000' },
    body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } },
  },
  'Gemini RetryInfo.retryDelay "3s"': {
    headers: {},
    body: {
      error: {
        code: 429,
        status: 'RESOURCE_EXHAUSTED',
        message: 'You exceeded your current quota',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' },
        ],
      },
    },
  },
};
let hint: Hint = HINTS['Retry-After: 3']!;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});
beforeEach(() => {
  srv.received.length = 0;
  quoteCalls = 0;
  hint = HINTS['Retry-After: 3']!;
  // /quote: the first call is rate limited with a 3 s hint (see HINTS), later calls succeed.
  srv.handle = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/quote') {
      quoteCalls++;
      if (quoteCalls === 1) {
        const headers = typeof hint.headers === 'function' ? hint.headers(appClock!.now()) : hint.headers;
        res.writeHead(429, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(hint.body));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ quote: quoteCalls }));
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ path, auth: req.headers.authorization ?? null }));
  };
});

@Injectable()
class QuoteService {
  constructor(
    @InjectApiClient('quotes') readonly quotes: ApiClient,
    @InjectApiClient('quotesWithRetry') readonly quotesWithRetry: ApiClient,
    @InjectEndpoint('llm') readonly llm: Endpoint,
  ) {}

  /** The retry is the decorator's; the client has no policy. */
  @WithRetry('rateLimited')
  fetchQuote(): Promise<{ quote: number }> {
    return this.quotes.request('GET', '/quote');
  }
}

async function boot(clock: VirtualClock): Promise<TestingModule> {
  appClock = clock;
  @Module({
    imports: [
      ResilienceModule.forRoot({ clock, retries: { rateLimited: { maxRetries: 2, baseDelayMs: 10, jitter: 'none' } } }),
      ResilienceHttpModule.forRoot({
        clients: {
          quotes: { baseUrl: srv.baseUrl, timeoutMs: 2000 },
          quotesWithRetry: { baseUrl: srv.baseUrl, timeoutMs: 2000, retry: 'rateLimited' },
        },
        endpoints: {
          llm: {
            provider: 'test',
            baseUrl: srv.baseUrl,
            endpoint: 'v1/{op}',
            apiKey: 'sk-e2e-key-0001',
            pathParams: { op: 'chat' },
          },
        },
      }),
    ],
    providers: [QuoteService],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  await moduleRef.init();
  return moduleRef;
}

/** Asserts that the retry of /quote reaches the server only once the virtual clock has moved 3000 ms. */
async function expectRetryAfterExactly3s(clock: VirtualClock, call: Promise<{ quote: number }>): Promise<void> {
  await waitFor(() => quoteCalls === 1 && clock.pendingTimers() === 1);
  await clock.advance(2999);
  // The retry wait is still pending: an early retry would have consumed the timer.
  expect(clock.pendingTimers()).toBe(1);
  expect(quoteCalls).toBe(1);
  await clock.advance(1);
  await waitFor(() => quoteCalls === 2);
  await expect(call).resolves.toEqual({ quote: 2 });
  expect(srv.received.filter((r) => r.url === '/quote')).toHaveLength(2);
}

describe('ResilienceHttpModule + ResilienceModule (e2e)', () => {
  it.each(Object.keys(HINTS))('a decorated method retries a 429 after exactly the hinted delay (%s)', async (name) => {
    hint = HINTS[name]!;
    const clock = new VirtualClock();
    const app = await boot(clock);
    try {
      const svc = app.get(QuoteService);
      await expectRetryAfterExactly3s(clock, svc.fetchQuote());
    } finally {
      await app.close();
    }
  });

  it('a client with a named retry policy does the same on its own', async () => {
    const clock = new VirtualClock();
    const app = await boot(clock);
    try {
      const svc = app.get(QuoteService);
      await expectRetryAfterExactly3s(clock, svc.quotesWithRetry.request('GET', '/quote'));
    } finally {
      await app.close();
    }
  });

  it('without a retry policy the 429 surfaces as UpstreamRateLimitError with retryAfterMs', async () => {
    const app = await boot(new VirtualClock());
    try {
      const err = await app
        .get(QuoteService)
        .quotes.request('GET', '/quote')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamRateLimitError);
      expect((err as UpstreamRateLimitError).retryAfterMs).toBe(3000);
    } finally {
      await app.close();
    }
  });

  it('injects endpoints and registries; endpoints send their auth header to the filled path', async () => {
    const app = await boot(new VirtualClock());
    try {
      const svc = app.get(QuoteService);
      expect(await svc.llm.call({ prompt: 'hi' })).toEqual({ path: '/v1/chat', auth: 'Bearer sk-e2e-key-0001' });
      expect(app.get(EndpointRegistry).get('llm')).toBe(svc.llm);
      expect(app.get(ApiClientRegistry).get('quotes')).toBe(svc.quotes);
      expect(app.get(getApiClientToken('quotes'))).toBe(svc.quotes);
    } finally {
      await app.close();
    }
  });

  it('closes every client (and endpoint clients) on module destroy', async () => {
    const app = await boot(new VirtualClock());
    const svc = app.get(QuoteService);
    await app.close();
    expect(svc.quotes.closed).toBe(true);
    expect(svc.quotesWithRetry.closed).toBe(true);
    expect(svc.llm.client!.closed).toBe(true);
    await expect(svc.quotes.request('GET', '/x')).rejects.toMatchObject({
      name: 'ClientClosedError',
      client: 'quotes',
    });
  });

  it('registerClientAsync builds a client from a factory; forRootAsync the shared settings (its logger)', async () => {
    const lines: string[] = [];
    @Module({
      imports: [
        ResilienceModule.forRoot({ retries: { r: { maxRetries: 0 } } }),
        ResilienceHttpModule.forRootAsync({ useFactory: async () => ({ logger: { debug: (m) => lines.push(m) } }) }),
        ResilienceHttpModule.registerClientAsync({
          name: 'quotes',
          useFactory: async () => ({ baseUrl: srv.baseUrl, retry: 'r' }),
        }),
      ],
    })
    class AsyncModule {}
    const app = await Test.createTestingModule({ imports: [AsyncModule] }).compile();
    await app.init();
    try {
      const client = app.get<ApiClient>(getApiClientToken('quotes'));
      expect(await client.request('GET', '/hello')).toEqual({ path: '/hello', auth: null });
      expect(lines).toEqual([expect.stringMatching(/^quotes GET http:\/\/127\.0\.0\.1:\d+\/hello → 200 in \d+ ms$/)]);
      expect(app.get(ApiClientRegistry).names()).toEqual(['quotes']);
    } finally {
      await app.close();
    }
  });

  it('bad declarations fail at bootstrap naming the option; a missing key env names endpoint and variable', async () => {
    const bootWith = async (opts: Parameters<typeof ResilienceHttpModule.forRoot>[0]) => {
      @Module({ imports: [ResilienceModule.forRoot({ retries: { r: {} } }), ResilienceHttpModule.forRoot(opts)] })
      class M {}
      return Test.createTestingModule({ imports: [M] })
        .compile()
        .then(
          async (m) => {
            await m.close();
            return undefined;
          },
          (e: unknown) => e,
        );
    };
    const e1 = (await bootWith({
      clients: { pay: { baseUrl: srv.baseUrl, retry: 'missing' } },
    })) as ResilienceConfigError;
    expect(e1).toBeInstanceOf(ResilienceConfigError);
    expect(e1.path).toBe('clients.pay.retry');
    const e2 = (await bootWith({
      endpoints: {
        openaiChat: { provider: 'openai', baseUrl: srv.baseUrl, endpoint: 'chat', apiKeyEnv: 'NR_E2E_UNSET_KEY' },
      },
      env: {},
    })) as ResilienceConfigError;
    expect(e2).toBeInstanceOf(ResilienceConfigError);
    expect(e2.path).toBe('endpoints.openaiChat.apiKeyEnv');
    expect(e2.message).toContain('NR_E2E_UNSET_KEY');
    expect(e2.message).toContain("'openaiChat'");
    const e3 = (await bootWith({
      endpoints: { x: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'e', authType: 'none', client: 'nope' } },
    })) as ResilienceConfigError;
    expect(e3.path).toBe('endpoints.x.client');
  });

  it('a missing key fails a real bootstrap naming endpoint and variable; nothing printed or thrown holds a key', async () => {
    const canary = `zq-canary-${Math.random().toString(36).slice(2)}`;
    const printed: string[] = [];
    const capture = (...args: unknown[]) =>
      void printed.push(
        args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : inspect(a, { depth: 10 }))).join(' '),
      );
    const logger = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture, fatal: capture };
    const bootstrap = async (http: Parameters<typeof ResilienceHttpModule.forRoot>[0]) => {
      @Module({ imports: [ResilienceModule.forRoot(), ResilienceHttpModule.forRoot(http)] })
      class Root {}
      return NestFactory.createApplicationContext(Root, { logger, abortOnError: false }).then(
        async (app) => {
          await app.close();
          return undefined;
        },
        (e: unknown) => e,
      );
    };
    // Other clients and endpoints hold the key, and the environment has it under another name.
    const others = {
      clients: {
        partner: { baseUrl: srv.baseUrl, headers: { Authorization: `Bearer ${canary}`, 'X-Partner': canary } },
      },
      env: { OTHER_PROVIDER_KEY: canary },
    };
    const missing = (await bootstrap({
      ...others,
      endpoints: {
        anthropic: {
          provider: 'anthropic',
          baseUrl: srv.baseUrl,
          endpoint: 'v1/messages',
          authType: 'x-api-key',
          apiKey: canary,
        },
        openaiChat: {
          provider: 'openai',
          baseUrl: srv.baseUrl,
          endpoint: 'chat/completions',
          apiKeyEnv: 'OPENAI_API_KEY',
        },
      },
    })) as ResilienceConfigError;
    expect(missing).toBeInstanceOf(ResilienceConfigError);
    expect(missing.path).toBe('endpoints.openaiChat.apiKeyEnv');
    expect(missing.message).toContain("endpoint 'openaiChat'");
    expect(missing.message).toContain('OPENAI_API_KEY');
    // Keys that are present but unusable are not shown either.
    const both = (await bootstrap({
      ...others,
      endpoints: {
        e: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'x', apiKey: canary, apiKeyEnv: 'OTHER_PROVIDER_KEY' },
      },
    })) as Error;
    expect(both).toBeInstanceOf(ResilienceConfigError);
    const crlf = (await bootstrap({
      ...others,
      endpoints: { e: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'x', apiKey: `${canary}\r\nX-Evil: 1` } },
    })) as Error;
    expect(crlf).toBeInstanceOf(HeaderInjectionError);
    expect(crlf.message).toContain("endpoint 'e'");
    expect(printed.length).toBeGreaterThan(0); // Nest did print the failures
    const shown = [
      ...printed,
      ...[missing, both, crlf].flatMap((e) => [
        String(e),
        e.stack ?? '',
        JSON.stringify(e),
        inspect(e, { depth: 10, showHidden: true }),
      ]),
    ].join('\n');
    expect(shown).toContain('OPENAI_API_KEY');
    expect(shown).not.toContain(canary);
  });
});

describe('bootstrap errors name what is wrong and where', () => {
  @Injectable()
  class TypoService {
    @InjectEndpoint('chatTypo') readonly chat!: Endpoint;
    constructor(@InjectApiClient('paymnts') readonly payments: ApiClient) {}
  }

  async function bootError(
    http: DynamicModule,
    providers: Array<new (...args: never[]) => unknown> = [TypoService],
  ): Promise<Error | undefined> {
    @Module({ imports: [ResilienceModule.forRoot({}), http], providers })
    class M {}
    return Test.createTestingModule({ imports: [M] })
      .compile()
      .then(
        async (m) => {
          await m.close();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
  }

  it("forRootAsync / registerClientAsync: @InjectApiClient('paymnts') of an unregistered name fails the bootstrap naming it", async () => {
    for (const http of [
      ResilienceHttpModule.forRootAsync({
        useFactory: async () => ({}),
        clients: { payments: { baseUrl: srv.baseUrl }, refunds: { baseUrl: srv.baseUrl } },
        endpoints: { chatTypo: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'c', authType: 'none' } },
      }),
      ResilienceHttpModule.registerClientAsync({ name: 'payments', useFactory: () => ({ baseUrl: srv.baseUrl }) }),
    ]) {
      const err = (await bootError(http)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).toContain('TypoService');
      expect(err.message).toContain('nest-resilience:api-client:paymnts');
    }
  });

  it('an unregistered @InjectEndpoint property fails the same way; forRoot too', async () => {
    const err = (await bootError(
      ResilienceHttpModule.forRoot({
        clients: { paymnts: { baseUrl: srv.baseUrl } },
        endpoints: { chat: { provider: 'p', baseUrl: srv.baseUrl, endpoint: 'c', authType: 'none' } },
      }),
    )) as Error;
    expect(err.message).toContain('TypoService');
    expect(err.message).toContain('nest-resilience:endpoint:chatTypo');
    const viaForRoot = (await bootError(
      ResilienceHttpModule.forRoot({ clients: { payments: { baseUrl: srv.baseUrl } } }),
    )) as Error;
    expect(viaForRoot.message).toContain('nest-resilience:api-client:paymnts');
  });

  it('a CR/LF header names the client (and an endpoint header names the endpoint), never the value', async () => {
    const value = 'sk-crlf-canary-0001\r\nX-Evil: 1';
    const err = (await bootError(
      ResilienceHttpModule.forRoot({
        clients: { partner: { baseUrl: srv.baseUrl, headers: { 'X-Partner-Key': value } } },
      }),
      [],
    )) as HeaderInjectionError;
    expect(err).toBeInstanceOf(HeaderInjectionError);
    expect(err.message).toContain('"X-Partner-Key"');
    expect(err.message).toContain("client 'partner' (clients.partner.headers)");
    expect(err.where).toBe("client 'partner' (clients.partner.headers)");
    expect(err.message).not.toContain('sk-crlf-canary');
    const ep = (await bootError(
      ResilienceHttpModule.forRoot({
        endpoints: {
          chat: {
            provider: 'p',
            baseUrl: srv.baseUrl,
            endpoint: 'c',
            authType: 'none',
            defaultHeaders: { 'X-Trace': 'a\nb' },
          },
        },
      }),
      [],
    )) as HeaderInjectionError;
    expect(ep).toBeInstanceOf(HeaderInjectionError);
    expect(ep.message).toContain("endpoint 'chat' (endpoints.chat.defaultHeaders)");
  });
});

describe('@WithRetry around an ApiClient: no double-billed POST', () => {
  it('a POST whose response timed out reaches the upstream once; a POST answered 503 is retried', async () => {
    let arrivals = 0;
    srv.handle = (req, res) => {
      arrivals++;
      if (req.url === '/charge-hang') return; // never answers
      if (arrivals === 1)
        return void res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"message":"overloaded"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"charged":true}');
    };
    @Injectable()
    class Billing {
      constructor(@InjectApiClient('billing') readonly client: ApiClient) {}

      @WithRetry({ maxRetries: 3, baseDelayMs: 1, jitter: 'none' })
      charge(path: string): Promise<unknown> {
        return this.client.post(path, { amount: 1 });
      }
    }
    @Module({
      imports: [
        ResilienceModule.forRoot({}),
        ResilienceHttpModule.forRoot({ clients: { billing: { baseUrl: srv.baseUrl, timeoutMs: 200 } } }),
      ],
      providers: [Billing],
    })
    class BillingModule {}
    const app = await Test.createTestingModule({ imports: [BillingModule] }).compile();
    await app.init();
    try {
      const billing = app.get(Billing);
      const err = (await billing.charge('/charge-hang').catch((e: unknown) => e)) as {
        name: string;
        isTransient: boolean;
        notRetriedReason?: string;
      };
      expect(err.name).toBe('UpstreamTimeoutError');
      expect(err.isTransient).toBe(false);
      expect(err.notRetriedReason).toContain('POST is not idempotent');
      expect(arrivals).toBe(1);
      arrivals = 0;
      await expect(billing.charge('/charge')).resolves.toEqual({ charged: true });
      expect(arrivals).toBe(2);
    } finally {
      await app.close();
    }
  });
});

describe('ResilienceHttpModule with @nestjs/axios', () => {
  it("a client declared with HttpService.axiosRef sends through it: HttpModule's interceptors run", async () => {
    const { HttpModule, HttpService } = await import('@nestjs/axios');
    const moduleRef = await Test.createTestingModule({
      imports: [
        ResilienceHttpModule.registerClientAsync({
          name: 'viaHttpService',
          imports: [HttpModule],
          inject: [HttpService],
          useFactory: (http: InstanceType<typeof HttpService>) => {
            http.axiosRef.interceptors.request.use((config) => {
              config.headers.set('x-traced-by', 'http-module');
              return config;
            });
            return { baseUrl: srv.baseUrl, axios: http.axiosRef };
          },
        }),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const client = moduleRef.get<ApiClient>(getApiClientToken('viaHttpService'));
      const res = await client.requestRaw('GET', '/traced');
      expect(res.status).toBe(200);
      expect(srv.received.at(-1)!.url).toBe('/traced');
      expect(srv.received.at(-1)!.headers['x-traced-by']).toBe('http-module');
    } finally {
      await moduleRef.close();
    }
  });
});
