// Shared set-up of the ResilienceHttpModule e2e suites (test/http-client.*.e2e-spec.ts): a real test
// server whose /quote route is rate limited once with a 3 s hint (see HINTS) while every other path
// answers its path and Authorization header, and `boot(clock)`, an app with two clients and an
// endpoint on it injected into QuoteService. Call `useQuoteServer()` at the top of each suite.
import 'reflect-metadata';
import { afterAll, beforeAll, beforeEach } from '@jest/globals';
import { Injectable, Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ResilienceModule, VirtualClock, WithRetry } from 'nest-resilience';
import { ApiClient, Endpoint, InjectApiClient, InjectEndpoint, ResilienceHttpModule } from 'nest-resilience/http';
import { startTestServer, type TestServer } from '../../libs/resilience/src/http/testing-support/http-test-server.js';

/** The test server of the current suite (set by the `beforeAll` of {@link useQuoteServer}). */
export let srv: TestServer;
/** Calls /quote received in the current test. */
export let quoteCalls = 0;

/** How the first /quote answer says "retry in 3 s" (`now`: the virtual clock's time). */
interface Hint {
  headers: Record<string, string> | ((now: number) => Record<string, string>);
  body: unknown;
}
/** The clock of the app under test (HTTP-date hints are written against it). */
let appClock: VirtualClock | undefined;
export const HINTS: Record<string, Hint> = {
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

/** Makes the first /quote answer of the current test use `HINTS[name]`. */
export function setHint(name: string): void {
  hint = HINTS[name]!;
}

/** Registers the suite's hooks: the server, and before each test the routes above and a fresh count. */
export function useQuoteServer(): void {
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
}

/** Injects the clients 'quotes' (no policy) and 'quotesWithRetry' (retry 'rateLimited') and the 'llm' endpoint. */
@Injectable()
export class QuoteService {
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

/** Boots QuoteService on `clock`: ResilienceModule (retry 'rateLimited') and its clients and endpoint on `srv`. */
export async function boot(clock: VirtualClock): Promise<TestingModule> {
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
