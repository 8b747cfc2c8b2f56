import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ResilienceRegistry } from '../nest/resilience.registry.js';
import { getApiClientToken, getEndpointToken, INJECTED_CLIENT_NAMES, INJECTED_ENDPOINT_NAMES, RESILIENCE_HTTP_OPTIONS } from './http.constants.js';
import { ApiClientRegistry, EndpointRegistry } from './http-registries.js';
import type {
  ResilienceHttpModuleAsyncOptions,
  ResilienceHttpModuleOptions,
  ResilienceHttpOptionsFactory,
} from './resilience-http-options.interface.js';

const registries: Provider[] = [
  {
    provide: ApiClientRegistry,
    useFactory: (options: ResilienceHttpModuleOptions, policies?: ResilienceRegistry) => new ApiClientRegistry(options, policies ?? undefined),
    inject: [RESILIENCE_HTTP_OPTIONS, { token: ResilienceRegistry, optional: true }],
  },
  {
    provide: EndpointRegistry,
    useFactory: (options: ResilienceHttpModuleOptions, clients: ApiClientRegistry, policies?: ResilienceRegistry) =>
      new EndpointRegistry(options, clients, policies ?? undefined),
    inject: [RESILIENCE_HTTP_OPTIONS, ApiClientRegistry, { token: ResilienceRegistry, optional: true }],
  },
];

/**
 * One provider per name. `required` names must be declared (bootstrap fails otherwise); the
 * others (seen by the decorators, possibly in another application of the same process)
 * resolve to `undefined` when not declared.
 */
function namedProviders(clients: NameSet, endpoints: NameSet): Provider[] {
  const out: Provider[] = [];
  for (const name of new Set([...clients.required, ...clients.optional])) {
    const required = clients.required.includes(name);
    out.push({
      provide: getApiClientToken(name),
      useFactory: (r: ApiClientRegistry) => (required || r.names().includes(name) ? r.get(name) : undefined),
      inject: [ApiClientRegistry],
    });
  }
  for (const name of new Set([...endpoints.required, ...endpoints.optional])) {
    const required = endpoints.required.includes(name);
    out.push({
      provide: getEndpointToken(name),
      useFactory: (r: EndpointRegistry) => (required || r.names().includes(name) ? r.get(name) : undefined),
      inject: [EndpointRegistry],
    });
  }
  return out;
}

interface NameSet {
  required: string[];
  optional: string[];
}

/**
 * Global module of named HTTP clients and endpoints. Policy names (`breaker`, `retry`,
 * `limiter`) resolve through `ResilienceModule`, which must be imported too when names are
 * used. Clients are created and validated at bootstrap and closed on module destroy.
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ResilienceModule.forRoot({ retries: { upstream: { maxRetries: 2 } } }),
 *     ResilienceHttpModule.forRoot({
 *       clients: { payments: { baseUrl: 'https://pay.example.com/v1', timeout: 5000, retry: 'upstream' } },
 *       endpoints: { openaiChat: { provider: 'openai', baseUrl: 'https://api.openai.com/v1', endpoint: 'chat/completions', apiKeyEnv: 'OPENAI_API_KEY' } },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Global()
@Module({})
export class ResilienceHttpModule {
  /** Registers the clients and endpoints known up front. */
  static forRoot(options: ResilienceHttpModuleOptions = {}): DynamicModule {
    const clients = { required: Object.keys(options?.clients ?? {}), optional: [] };
    const endpoints = { required: Object.keys(options?.endpoints ?? {}), optional: [] };
    return ResilienceHttpModule.build([{ provide: RESILIENCE_HTTP_OPTIONS, useValue: options }], [], clients, endpoints);
  }

  /**
   * Registers options built by a factory. Injectable names are `clientNames` /
   * `endpointNames` (which must then be declared) plus the names used with
   * `@InjectApiClient()` / `@InjectEndpoint()` anywhere in the process (those inject
   * `undefined` when not declared).
   */
  static forRootAsync(options: ResilienceHttpModuleAsyncOptions): DynamicModule {
    const providers: Provider[] = [];
    if (options.useFactory) {
      providers.push({ provide: RESILIENCE_HTTP_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] });
    } else if (options.useClass || options.useExisting) {
      const factoryClass = (options.useClass ?? options.useExisting)!;
      if (options.useClass) providers.push({ provide: factoryClass, useClass: factoryClass });
      providers.push({
        provide: RESILIENCE_HTTP_OPTIONS,
        useFactory: (factory: ResilienceHttpOptionsFactory) => factory.createResilienceHttpOptions(),
        inject: [factoryClass],
      });
    } else {
      throw new TypeError('ResilienceHttpModule.forRootAsync() needs useFactory, useClass or useExisting');
    }
    return ResilienceHttpModule.build(
      providers,
      options.imports ?? [],
      { required: [...(options.clientNames ?? [])], optional: [...INJECTED_CLIENT_NAMES] },
      { required: [...(options.endpointNames ?? [])], optional: [...INJECTED_ENDPOINT_NAMES] },
    );
  }

  private static build(optionProviders: Provider[], imports: DynamicModule['imports'], clients: NameSet, endpoints: NameSet): DynamicModule {
    const named = namedProviders(clients, endpoints);
    return {
      module: ResilienceHttpModule,
      global: true,
      imports: imports ?? [],
      providers: [...optionProviders, ...registries, ...named],
      exports: [ApiClientRegistry, EndpointRegistry, ...named.map((p) => (p as { provide: string }).provide)],
    };
  }
}
