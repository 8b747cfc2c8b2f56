import type { ModuleMetadata, Type } from '@nestjs/common';
import type { ApiClientLogger, ApiClientOptions } from '../client/api-client.js';
import type { EndpointConfig } from '../endpoint/endpoint-config.js';

/** A client declared in the module: its name is the key. @publicApi */
export type ClientDeclaration = Omit<ApiClientOptions, 'name'> & { name?: string };

/** Options of {@link ResilienceHttpModule.forRoot}. @publicApi */
export interface ResilienceHttpModuleOptions {
  /** Named clients (`@InjectApiClient(name)`). Policy names resolve through `ResilienceModule`. */
  clients?: Record<string, ClientDeclaration>;
  /** Named endpoints (`@InjectEndpoint(name)`). */
  endpoints?: Record<string, EndpointConfig>;
  /** Debug logger for every client and endpoint that has none (never logs header values). */
  logger?: ApiClientLogger;
  /** Where `apiKeyEnv` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A class that builds the options (for `forRootAsync({ useClass })`). @publicApi */
export interface ResilienceHttpOptionsFactory {
  createResilienceHttpOptions(): ResilienceHttpModuleOptions | Promise<ResilienceHttpModuleOptions>;
}

/** Options of {@link ResilienceHttpModule.forRootAsync}. @publicApi */
export interface ResilienceHttpModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory?: (...args: any[]) => ResilienceHttpModuleOptions | Promise<ResilienceHttpModuleOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  useClass?: Type<ResilienceHttpOptionsFactory>;
  useExisting?: Type<ResilienceHttpOptionsFactory>;
  /**
   * Client names to provide for injection. Names used with `@InjectApiClient()` are added
   * automatically; list others here (e.g. for `moduleRef.get(getApiClientToken(name))`).
   */
  clientNames?: readonly string[];
  /** Endpoint names to provide for injection (besides those used with `@InjectEndpoint()`). */
  endpointNames?: readonly string[];
}
