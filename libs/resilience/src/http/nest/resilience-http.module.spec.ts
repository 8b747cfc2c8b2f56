import 'reflect-metadata';
import { Global, Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { ApiClient } from '../client/api-client.js';
import type { ClientDeclaration } from './resilience-http.options.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { ApiClientRegistry, EndpointRegistry } from './http-registries.js';
import { getApiClientToken, getEndpointToken } from './http.tokens.js';
import { InjectApiClient, InjectEndpoint } from './inject-api-client.decorator.js';
import { ResilienceHttpModule } from './resilience-http.module.js';

const BASE = 'http://127.0.0.1:1';

@Injectable()
class QuotesService {
  constructor(@InjectApiClient('quotes') readonly client: ApiClient) {}
}

@Injectable()
class TypoService {
  constructor(@InjectApiClient('quotse') readonly client: ApiClient) {}
}

/** Compiles and inits a module of `imports` + `providers`; returns it (to close) or the bootstrap error. */
async function boot(
  imports: DynamicModule[],
  providers: (new (...args: never[]) => unknown)[] = [],
): Promise<{ app?: Awaited<ReturnType<ReturnType<typeof Test.createTestingModule>['compile']>>; error?: Error }> {
  @Module({ imports, providers })
  class AppModule {}
  try {
    const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await app.init();
    return { app };
  } catch (error) {
    return { error: error as Error };
  }
}

async function bootError(imports: DynamicModule[], providers?: (new (...args: never[]) => unknown)[]): Promise<Error> {
  const { app, error } = await boot(imports, providers);
  await app?.close();
  if (error === undefined) throw new Error('expected the bootstrap to fail');
  return error;
}

describe('ResilienceHttpModule: a mistyped name fails the bootstrap, naming it', () => {
  it.each([
    [
      'registerClientAsync',
      () => ResilienceHttpModule.registerClientAsync({ name: 'quotes', useFactory: () => ({ baseUrl: BASE }) }),
    ],
    [
      'forRootAsync',
      () => ResilienceHttpModule.forRootAsync({ useFactory: async () => ({}), clients: { quotes: { baseUrl: BASE } } }),
    ],
    ['registerClient', () => ResilienceHttpModule.registerClient({ name: 'quotes', baseUrl: BASE })],
  ])("@InjectApiClient('quotse') with 'quotes' registered by %s", async (_how, http) => {
    const err = await bootError([http()], [TypoService]);
    expect(err.message).toContain('quotse');
    expect(err.message).toContain(getApiClientToken('quotse'));
    expect(err.message).toContain('TypoService');
    // The same registration with the right name boots and injects the client.
    const { app, error } = await boot([http()], [QuotesService]);
    expect(error).toBeUndefined();
    expect(app!.get(QuotesService).client).toBeInstanceOf(ApiClient);
    expect(app!.get(QuotesService).client.name).toBe('quotes');
    await app!.close();
  });

  it('no process-wide state: a name registered by one application does not exist in another', async () => {
    const first = await boot([ResilienceHttpModule.registerClient({ name: 'quotes', baseUrl: BASE })], [QuotesService]);
    expect(first.error).toBeUndefined();
    const err = await bootError([ResilienceHttpModule.forRoot()], [QuotesService]);
    expect(err.message).toContain(getApiClientToken('quotes'));
    await first.app!.close();
  });

  it('an endpoint sending through an unregistered client fails naming endpoints.<name>.client and the registered clients', async () => {
    const err = (await bootError([
      ResilienceHttpModule.registerClient({ name: 'quotes', baseUrl: BASE }),
      ResilienceHttpModule.registerEndpoint({
        name: 'e',
        provider: 'p',
        endpoint: 'x',
        authType: 'none',
        client: 'qoutes',
      }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect(err.path).toBe('endpoints.e.client');
    expect(err.value).toBe('qoutes');
    expect(err.expected).toContain('registered: quotes');
  });
});

@Injectable()
class ClientOptions {
  createApiClientOptions(): ClientDeclaration {
    return { baseUrl: `${BASE}/by-class`, timeoutMs: 1234 };
  }
}

@Global()
@Module({ providers: [ClientOptions], exports: [ClientOptions] })
class OptionsModule {}

describe('ResilienceHttpModule registrations', () => {
  it('registerClientAsync: useFactory with inject, useClass and useExisting; every token and the registry', async () => {
    const { app, error } = await boot([
      ResilienceHttpModule.registerClientAsync({
        name: 'byFactory',
        imports: [OptionsModule],
        inject: [ClientOptions],
        useFactory: (o: ClientOptions) => ({ ...o.createApiClientOptions(), timeoutMs: 99 }),
      }),
      ResilienceHttpModule.registerClientAsync({ name: 'byClass', useClass: ClientOptions }),
      ResilienceHttpModule.registerClientAsync({
        name: 'byExisting',
        imports: [OptionsModule],
        useExisting: ClientOptions,
      }),
    ]);
    expect(error).toBeUndefined();
    const get = (n: string) => app!.get<ApiClient>(getApiClientToken(n));
    expect(get('byFactory').timeoutMs).toBe(99);
    expect(get('byClass').baseUrl).toBe(`${BASE}/by-class`);
    expect(get('byExisting').timeoutMs).toBe(1234);
    expect(app!.get(ApiClientRegistry).names().sort()).toEqual(['byClass', 'byExisting', 'byFactory']);
    await app!.close();
    expect(get('byFactory').closed).toBe(true);
  });

  it('registerEndpointAsync: a static client name, the shared env of forRoot; @InjectEndpoint', async () => {
    @Injectable()
    class Chat {
      constructor(
        @InjectEndpoint('chat') readonly chat: Endpoint,
        @Inject(getApiClientToken('llm')) readonly llm: ApiClient,
      ) {}
    }
    const { app, error } = await boot(
      [
        ResilienceHttpModule.forRoot({ env: { CHAT_KEY: 'sk-chat-123456' } }),
        ResilienceHttpModule.registerClient({ name: 'llm', baseUrl: BASE }),
        ResilienceHttpModule.registerEndpointAsync({
          name: 'chat',
          client: 'llm',
          useFactory: () => ({ provider: 'openai', endpoint: 'chat', apiKeyEnv: 'CHAT_KEY' }),
        }),
      ],
      [Chat],
    );
    expect(error).toBeUndefined();
    const chat = app!.get(Chat);
    expect(chat.chat.client).toBe(chat.llm);
    expect(chat.chat.config).toMatchObject({ name: 'chat', client: 'llm', hasApiKey: true });
    expect(app!.get(EndpointRegistry).get('chat')).toBe(chat.chat);
    expect(app!.get(getEndpointToken('chat'))).toBe(chat.chat);
    await app!.close();
  });

  it('policy names resolve through POLICY_RESOLVER when one is provided, and fail naming the option when none is', async () => {
    const retry = RetryPolicy.create('upstream', { maxRetries: 1 });
    const refuse = (): never => {
      throw new ResilienceConfigError('x', undefined, 'nothing');
    };
    const resolver: PolicyResolver = {
      retry: (n) => (n === 'upstream' ? retry : refuse()),
      breaker: refuse,
      limiter: refuse,
      timeout: refuse,
      bulkhead: refuse,
      fallback: refuse,
    };
    @Global()
    @Module({ providers: [{ provide: POLICY_RESOLVER, useValue: resolver }], exports: [POLICY_RESOLVER] })
    class Policies {}
    const ok = await boot([
      { module: Policies },
      ResilienceHttpModule.registerClient({ name: 'a', baseUrl: BASE, retry: 'upstream' }),
    ]);
    expect(ok.error).toBeUndefined();
    await ok.app!.close();
    const err = (await bootError([
      ResilienceHttpModule.registerClient({ name: 'a', baseUrl: BASE, retry: 'upstream' }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('clients.a.retry');
    expect(err.expected).toContain('no policy resolver available');
  });

  it('a name registered twice fails the bootstrap', async () => {
    const err = (await bootError([
      ResilienceHttpModule.forRoot({ clients: { a: { baseUrl: BASE } } }),
      ResilienceHttpModule.registerClient({ name: 'a', baseUrl: BASE }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect(err.path).toBe('clients.a');
    expect(err.expected).toContain('registered twice');
  });
});

describe('ResilienceHttpModule options', () => {
  it('a forRootAsync factory may not add clients or endpoints (their tokens could not exist)', async () => {
    const err = (await bootError([
      ResilienceHttpModule.forRootAsync({ useFactory: () => ({ clients: { a: { baseUrl: BASE } } }) as never }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect(err.path).toBe('clients');
    expect(err.expected).toContain('registerClientAsync');
  });

  it('shared settings and declarations are validated at bootstrap, naming the option', async () => {
    const cases: [DynamicModule, string][] = [
      [ResilienceHttpModule.forRoot({ logger: {} as never }), 'logger.debug'],
      [ResilienceHttpModule.forRoot({ clientz: {} } as never), 'clientz'],
      [ResilienceHttpModule.forRoot({ env: 'prod' as never }), 'env'],
      [ResilienceHttpModule.forRoot({ clients: [] as never }), 'clients'],
      [ResilienceHttpModule.forRoot({ clients: { a: { baseUrl: BASE, timeoutMs: -1 } } }), 'clients.a.timeoutMs'],
      [ResilienceHttpModule.forRoot({ clients: { a: { baseUrl: BASE, name: 'b' } } }), 'clients.a.name'],
      [ResilienceHttpModule.registerClientAsync({ name: 'a', useFactory: () => 'x' as never }), 'clients.a'],
    ];
    for (const [http, path] of cases) {
      const err = (await bootError([http])) as ResilienceConfigError;
      expect(err).toBeInstanceOf(ResilienceConfigError);
      expect([err.path, path]).toEqual([path, path]);
    }
  });

  it('names and async options are checked when the module is defined', () => {
    const path = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as ResilienceConfigError).path;
      }
      return 'no error';
    };
    expect(path(() => ResilienceHttpModule.registerClient({ baseUrl: BASE } as never))).toBe(
      'ResilienceHttpModule.registerClient.name',
    );
    expect(path(() => ResilienceHttpModule.registerClientAsync({ name: 'a' }))).toBe('clients.a');
    expect(path(() => ResilienceHttpModule.forRootAsync({}))).toBe('ResilienceHttpModule.forRootAsync');
    expect(path(() => InjectApiClient(''))).toBe('@InjectApiClient()');
  });

  it('the shared logger goes to every client without its own', async () => {
    const lines: string[] = [];
    const own: string[] = [];
    const { app } = await boot([
      ResilienceHttpModule.forRoot({ logger: { debug: (m) => lines.push(m) }, clients: { a: { baseUrl: BASE } } }),
      ResilienceHttpModule.registerClient({ name: 'b', baseUrl: BASE, logger: { debug: (m) => own.push(m) } }),
      ResilienceHttpModule.registerClient({ name: 'c', baseUrl: BASE }),
    ]);
    for (const name of ['a', 'b', 'c']) {
      // Nothing listens on port 1: each request fails, and is logged.
      await app!
        .get<ApiClient>(getApiClientToken(name))
        .request('GET', '/x')
        .catch(() => undefined);
    }
    expect(lines).toEqual([
      expect.stringMatching(/^a GET http:\/\/127\.0\.0\.1:1\/x → failed: UpstreamConnectionError/),
      expect.stringMatching(/^c GET http:\/\/127\.0\.0\.1:1\/x → failed: UpstreamConnectionError/),
    ]);
    expect(own).toEqual([expect.stringMatching(/^b GET /)]);
    await app!.close();
  });

  it('forRootAsync({ useClass }) builds the shared settings with createResilienceHttpOptions()', async () => {
    const lines: string[] = [];
    @Injectable()
    class Settings {
      createResilienceHttpOptions() {
        return { logger: { debug: (m: string) => lines.push(m) } };
      }
    }
    const { app, error } = await boot([
      ResilienceHttpModule.forRootAsync({ useClass: Settings, clients: { a: { baseUrl: BASE } } }),
    ]);
    expect(error).toBeUndefined();
    await app!
      .get<ApiClient>(getApiClientToken('a'))
      .request('GET', '/x')
      .catch(() => undefined);
    expect(lines).toEqual([expect.stringMatching(/^a GET /)]);
    await app!.close();
  });
});
