import { Inject } from '@nestjs/common';
import {
  CLIENT_INJECTIONS,
  ENDPOINT_INJECTIONS,
  getApiClientToken,
  getEndpointToken,
  INJECTED_CLIENT_NAMES,
  INJECTED_ENDPOINT_NAMES,
  recordInjection,
} from './http.constants.js';

/**
 * Injects the `ApiClient` declared as `clients.<name>` in `ResilienceHttpModule`. A name that
 * is not declared fails the bootstrap with a `ResilienceConfigError` naming it, the class that
 * injects it and the declared names (with `forRoot` and `forRootAsync`).
 * @example
 * ```ts
 * constructor(@InjectApiClient('payments') private readonly payments: ApiClient) {}
 * ```
 * @publicApi
 */
export function InjectApiClient(name: string): PropertyDecorator & ParameterDecorator {
  INJECTED_CLIENT_NAMES.add(name);
  const inject = Inject(getApiClientToken(name));
  return (target: object, key?: string | symbol, index?: number) => {
    recordInjection(CLIENT_INJECTIONS, target, name);
    (inject as (t: object, k?: string | symbol, i?: number) => void)(target, key, index);
  };
}

/**
 * Injects the `Endpoint` declared as `endpoints.<name>` in `ResilienceHttpModule` (an
 * undeclared name fails the bootstrap, as for {@link InjectApiClient}).
 * @example
 * ```ts
 * constructor(@InjectEndpoint('openaiChat') private readonly chat: Endpoint) {}
 * ```
 * @publicApi
 */
export function InjectEndpoint(name: string): PropertyDecorator & ParameterDecorator {
  INJECTED_ENDPOINT_NAMES.add(name);
  const inject = Inject(getEndpointToken(name));
  return (target: object, key?: string | symbol, index?: number) => {
    recordInjection(ENDPOINT_INJECTIONS, target, name);
    (inject as (t: object, k?: string | symbol, i?: number) => void)(target, key, index);
  };
}
