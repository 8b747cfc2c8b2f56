import { Inject } from '@nestjs/common';
import { getApiClientToken, getEndpointToken, INJECTED_CLIENT_NAMES, INJECTED_ENDPOINT_NAMES } from './http.constants.js';

/**
 * Injects the `ApiClient` declared as `clients.<name>` in `ResilienceHttpModule`.
 * @example
 * ```ts
 * constructor(@InjectApiClient('payments') private readonly payments: ApiClient) {}
 * ```
 * @publicApi
 */
export function InjectApiClient(name: string): PropertyDecorator & ParameterDecorator {
  INJECTED_CLIENT_NAMES.add(name);
  return Inject(getApiClientToken(name));
}

/**
 * Injects the `Endpoint` declared as `endpoints.<name>` in `ResilienceHttpModule`.
 * @example
 * ```ts
 * constructor(@InjectEndpoint('openaiChat') private readonly chat: Endpoint) {}
 * ```
 * @publicApi
 */
export function InjectEndpoint(name: string): PropertyDecorator & ParameterDecorator {
  INJECTED_ENDPOINT_NAMES.add(name);
  return Inject(getEndpointToken(name));
}
