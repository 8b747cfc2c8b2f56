/** Injection token of the raw `ResilienceHttpModule` options. @internal */
export const RESILIENCE_HTTP_OPTIONS = 'RESILIENCE:HTTP_MODULE_OPTIONS';

/** Client names seen by `@InjectApiClient()` (providers are created for them in `forRootAsync`). @internal */
export const INJECTED_CLIENT_NAMES = new Set<string>();

/** Endpoint names seen by `@InjectEndpoint()`. @internal */
export const INJECTED_ENDPOINT_NAMES = new Set<string>();

/**
 * The injection token of a named {@link ApiClient} (what `@InjectApiClient(name)` injects).
 * @publicApi
 */
export function getApiClientToken(name: string): string {
  return `nest-resilience:api-client:${name}`;
}

/**
 * The injection token of a named {@link Endpoint} (what `@InjectEndpoint(name)` injects).
 * @publicApi
 */
export function getEndpointToken(name: string): string {
  return `nest-resilience:endpoint:${name}`;
}
