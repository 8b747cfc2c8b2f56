import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { ResilienceRegistry } from '../../nest/registry/resilience.registry.js';
import {
  CLIENT_INJECTIONS,
  ENDPOINT_INJECTIONS,
  getApiClientToken,
  getEndpointToken,
  INJECTED_CLIENT_NAMES,
  INJECTED_ENDPOINT_NAMES,
  RESILIENCE_HTTP_OPTIONS,
} from './http.constants.js';
import { ApiClientRegistry, EndpointRegistry } from './http-registries.js';
import type {
  ResilienceHttpModuleAsyncOptions,
  ResilienceHttpModuleOptions,
  ResilienceHttpOptionsFactory,
} from './resilience-http-options.interface.js';

const registries: Provider[] = [
  {
    provide: ApiClientRegistry,
    useFactory: (options: ResilienceHttpModuleOptions, policies?: ResilienceRegistry) =>
      new ApiClientRegistry(options, policies ?? undefined),
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
 * The classes of this application (controllers and class providers of every module) that
 * inject `name` with the decorator whose usages `map` records.
 */
function injectorsOf(container: ModulesContainer, map: WeakMap<object, Set<string>>, name: string): string[] {
  const out = new Set<string>();
  for (const mod of container.values()) {
    for (const wrappers of [mod.providers, mod.controllers]) {
      for (const w of wrappers.values()) {
        if (w.inject) continue; // a factory provider: its metatype is the factory
        for (
          let c: unknown = w.metatype;
          typeof c === 'function' && c !== Function.prototype;
          c = Object.getPrototypeOf(c)
        ) {
          if (map.get(c)?.has(name)) out.add((w.metatype as { name?: string }).name || 'an anonymous class');
        }
      }
    }
  }
  return [...out];
}

interface NamedKind {
  kind: 'clients' | 'endpoints';
  decorator: string;
  noun: string;
  token: (name: string) => string;
  injections: WeakMap<object, Set<string>>;
}

const CLIENTS: NamedKind = {
  kind: 'clients',
  decorator: 'InjectApiClient',
  noun: 'client',
  token: getApiClientToken,
  injections: CLIENT_INJECTIONS,
};
const ENDPOINTS: NamedKind = {
  kind: 'endpoints',
  decorator: 'InjectEndpoint',
  noun: 'endpoint',
  token: getEndpointToken,
  injections: ENDPOINT_INJECTIONS,
};

/**
 * One provider per name. `required` names must be declared (bootstrap fails otherwise). The
 * others were seen by the decorators, possibly in another application of the same process:
 * when a class of this application injects one that is not declared, the bootstrap fails
 * with a `ResilienceConfigError` naming it, the class and the declared names; otherwise it
 * resolves to `undefined`.
 */
function namedProviders(
  set: NameSet,
  k: NamedKind,
  registry: typeof ApiClientRegistry | typeof EndpointRegistry,
): Provider[] {
  const out: Provider[] = [];
  for (const name of new Set([...set.required, ...set.optional])) {
    const required = set.required.includes(name);
    out.push({
      provide: k.token(name),
      useFactory: (r: ApiClientRegistry | EndpointRegistry, container?: ModulesContainer) => {
        const declared = r.names();
        if (required || declared.includes(name)) return r.get(name);
        const users = container !== undefined ? injectorsOf(container, k.injections, name) : [];
        if (users.length === 0) return undefined;
        throw new ResilienceConfigError(
          `${k.kind}.${name}`,
          name,
          `${k.noun === 'endpoint' ? 'an' : 'a'} ${k.noun} declared in ResilienceHttpModule, as @${k.decorator}('${name}') in ${users.join(', ')} needs (declared: ${declared.length > 0 ? declared.join(', ') : 'none'})`,
        );
      },
      inject: [registry, { token: ModulesContainer, optional: true }],
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
    const clients = { required: Object.keys(options?.clients ?? {}), optional: [...INJECTED_CLIENT_NAMES] };
    const endpoints = { required: Object.keys(options?.endpoints ?? {}), optional: [...INJECTED_ENDPOINT_NAMES] };
    return ResilienceHttpModule.build(
      [{ provide: RESILIENCE_HTTP_OPTIONS, useValue: options }],
      [],
      clients,
      endpoints,
    );
  }

  /**
   * Registers options built by a factory. Injectable names are `clientNames` /
   * `endpointNames` (which must then be declared) plus the names used with
   * `@InjectApiClient()` / `@InjectEndpoint()` anywhere in the process. A name injected by a
   * class of this application that the options do not declare fails the bootstrap
   * (`ResilienceConfigError` naming it and the declared names); names used only by other
   * applications of the process resolve to `undefined`.
   */
  static forRootAsync(options: ResilienceHttpModuleAsyncOptions): DynamicModule {
    const providers: Provider[] = [];
    if (options.useFactory) {
      providers.push({
        provide: RESILIENCE_HTTP_OPTIONS,
        useFactory: options.useFactory,
        inject: options.inject ?? [],
      });
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

  private static build(
    optionProviders: Provider[],
    imports: DynamicModule['imports'],
    clients: NameSet,
    endpoints: NameSet,
  ): DynamicModule {
    const named = [
      ...namedProviders(clients, CLIENTS, ApiClientRegistry),
      ...namedProviders(endpoints, ENDPOINTS, EndpointRegistry),
    ];
    return {
      module: ResilienceHttpModule,
      global: true,
      imports: imports ?? [],
      providers: [...optionProviders, ...registries, ...named],
      exports: [ApiClientRegistry, EndpointRegistry, ...named.map((p) => (p as { provide: string }).provide)],
    };
  }
}
