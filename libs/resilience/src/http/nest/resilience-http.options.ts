import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { ApiClientLogger, ApiClientOptions } from '../client/api-client.options.js';
import type { EndpointConfig } from '../endpoint/endpoint-config.options.js';

/**
 * Settings shared by every client and endpoint of the application: what
 * `ResilienceHttpModule.forRoot()` takes (besides `clients` / `endpoints`) and what the
 * `forRootAsync()` factory returns.
 * @publicApi
 */
export interface ResilienceHttpModuleOptions {
  /** Debug logger of every client and endpoint that has none (never logs header values). Default: none. */
  logger?: ApiClientLogger;
  /** Where endpoints read `apiKeyEnv`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A client declared under `forRoot({ clients })`: its name is the key. @publicApi */
export type ClientDeclaration = Omit<ApiClientOptions, 'name'> & { name?: string };

/** An endpoint declared under `forRoot({ endpoints })`: its name is the key. @publicApi */
export type EndpointDeclaration = Omit<EndpointConfig, 'name'> & { name?: string };

/**
 * Clients and endpoints declared with the module (statically, so that their tokens exist):
 * `forRoot({ clients, endpoints })` and `forRootAsync({ clients, endpoints, useFactory })`.
 * @publicApi
 */
export interface ResilienceHttpDeclarations {
  /** Named clients (`@InjectApiClient(name)`). Policy names resolve through `ResilienceModule`. Default: none. */
  clients?: Readonly<Record<string, ClientDeclaration>>;
  /** Named endpoints (`@InjectEndpoint(name)`). Default: none. */
  endpoints?: Readonly<Record<string, EndpointDeclaration>>;
}

/** What `ResilienceHttpModule.forRoot()` takes. @publicApi */
export type ResilienceHttpForRootOptions = ResilienceHttpModuleOptions & ResilienceHttpDeclarations;

/** A class that builds the shared settings (`forRootAsync({ useClass | useExisting })`). @publicApi */
export interface ResilienceHttpOptionsFactory {
  createResilienceHttpOptions(): ResilienceHttpModuleOptions | Promise<ResilienceHttpModuleOptions>;
}

/**
 * What `ResilienceHttpModule.forRootAsync()` takes: `imports`, `inject` and one of
 * `useFactory` / `useClass` / `useExisting` building the {@link ResilienceHttpModuleOptions},
 * plus static `clients` / `endpoints`.
 * @publicApi
 */
export type ResilienceHttpModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  ResilienceHttpModuleOptions,
  'createResilienceHttpOptions'
> &
  ResilienceHttpDeclarations;

/** What `ResilienceHttpModule.registerClient()` takes: a name and the client's options. @publicApi */
export type RegisterClientOptions = Omit<ApiClientOptions, 'name'> & { name: string };

/** A class that builds a client's options (`registerClientAsync({ useClass | useExisting })`). @publicApi */
export interface ApiClientOptionsFactory {
  createApiClientOptions(): ClientDeclaration | Promise<ClientDeclaration>;
}

/**
 * What `ResilienceHttpModule.registerClientAsync()` takes: the static `name`, and `imports`,
 * `inject` and one of `useFactory` / `useClass` / `useExisting` building the client's options.
 * @publicApi
 */
export type RegisterClientAsyncOptions = ConfigurableModuleAsyncOptions<
  Omit<ApiClientOptions, 'name'>,
  'createApiClientOptions'
> & { name: string };

/** What `ResilienceHttpModule.registerEndpoint()` takes: a name and the endpoint's config. @publicApi */
export type RegisterEndpointOptions = Omit<EndpointConfig, 'name'> & { name: string };

/** A class that builds an endpoint's config (`registerEndpointAsync({ useClass | useExisting })`). @publicApi */
export interface EndpointOptionsFactory {
  createEndpointOptions(): Omit<EndpointConfig, 'name' | 'client'> | Promise<Omit<EndpointConfig, 'name' | 'client'>>;
}

/**
 * What `ResilienceHttpModule.registerEndpointAsync()` takes: the static `name` and `client`
 * (the registered client it sends through, if any), and `imports`, `inject` and one of
 * `useFactory` / `useClass` / `useExisting` building the rest of its config.
 * @publicApi
 */
export type RegisterEndpointAsyncOptions = ConfigurableModuleAsyncOptions<
  Omit<EndpointConfig, 'name' | 'client'>,
  'createEndpointOptions'
> & { name: string; client?: string };

/** Validated shared settings. @internal */
export interface NormalizedHttpSettings {
  readonly logger: ApiClientLogger | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}
