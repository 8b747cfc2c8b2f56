const CLIENT_PREFIX = 'nest-resilience:api-client:';
const ENDPOINT_PREFIX = 'nest-resilience:endpoint:';

/**
 * The injection token of a named `ApiClient` (what `@InjectApiClient(name)` injects). It is
 * provided for every name registered with `ResilienceHttpModule.forRoot({ clients })` or
 * `registerClient[Async]({ name })`, and for no other.
 * @publicApi
 */
export function getApiClientToken(name: string): string {
  return CLIENT_PREFIX + name;
}

/**
 * The injection token of a named `Endpoint` (what `@InjectEndpoint(name)` injects), provided
 * for every name registered with `forRoot({ endpoints })` or `registerEndpoint[Async]({ name })`.
 * @publicApi
 */
export function getEndpointToken(name: string): string {
  return ENDPOINT_PREFIX + name;
}

/** The name a client or endpoint token stands for, or `undefined` for another token. @internal */
export function nameOfToken(kind: 'client' | 'endpoint', token: unknown): string | undefined {
  const prefix = kind === 'client' ? CLIENT_PREFIX : ENDPOINT_PREFIX;
  return typeof token === 'string' && token.startsWith(prefix) ? token.slice(prefix.length) : undefined;
}

/** Injection token of the validated shared settings of `ResilienceHttpModule.forRoot[Async]`. @internal */
export const RESILIENCE_HTTP_SETTINGS = Symbol('nest-resilience:http-settings');
