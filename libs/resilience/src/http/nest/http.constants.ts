/** Injection token of the raw `ResilienceHttpModule` options. @internal */
export const RESILIENCE_HTTP_OPTIONS = 'RESILIENCE:HTTP_MODULE_OPTIONS';

/** Client names seen by `@InjectApiClient()` (providers are created for them in `forRootAsync`). @internal */
export const INJECTED_CLIENT_NAMES = new Set<string>();

/** Endpoint names seen by `@InjectEndpoint()`. @internal */
export const INJECTED_ENDPOINT_NAMES = new Set<string>();

/** Class → client names it injects with `@InjectApiClient()` (to name undeclared ones at bootstrap). @internal */
export const CLIENT_INJECTIONS = new WeakMap<object, Set<string>>();

/** Class → endpoint names it injects with `@InjectEndpoint()`. @internal */
export const ENDPOINT_INJECTIONS = new WeakMap<object, Set<string>>();

/** Records that the class of a decorated constructor parameter or property injects `name`. @internal */
export function recordInjection(map: WeakMap<object, Set<string>>, target: object, name: string): void {
  const cls = typeof target === 'function' ? target : (target as { constructor?: object }).constructor;
  if (cls === undefined) return;
  let names = map.get(cls);
  if (names === undefined) map.set(cls, (names = new Set()));
  names.add(name);
}

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
