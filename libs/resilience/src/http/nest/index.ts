/**
 * The Nest leaf of the HTTP layer: `ResilienceHttpModule`, its injection decorators, tokens and
 * registries. Re-exported by `nest-resilience/http`.
 * @module nest-resilience/http
 */
export { ResilienceHttpModule } from './resilience-http.module.js';
export { RESILIENCE_HTTP_OPTIONS } from './resilience-http.module-definition.js';
export { InjectApiClient, InjectEndpoint } from './inject-api-client.decorator.js';
export { getApiClientToken, getEndpointToken } from './http.tokens.js';
export { ApiClientRegistry, EndpointRegistry } from './http-registries.js';
export type {
  ApiClientOptionsFactory,
  ClientDeclaration,
  EndpointDeclaration,
  EndpointOptionsFactory,
  RegisterClientAsyncOptions,
  RegisterClientOptions,
  RegisterEndpointAsyncOptions,
  RegisterEndpointOptions,
  ResilienceHttpDeclarations,
  ResilienceHttpForRootOptions,
  ResilienceHttpModuleAsyncOptions,
  ResilienceHttpModuleOptions,
  ResilienceHttpOptionsFactory,
} from './resilience-http.options.js';
