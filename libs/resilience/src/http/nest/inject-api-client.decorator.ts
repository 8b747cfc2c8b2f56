import { Inject } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { getApiClientToken, getEndpointToken } from './http.tokens.js';

/**
 * Injects the `ApiClient` registered as `name` (`ResilienceHttpModule.forRoot({ clients })` or
 * `registerClient[Async]({ name })`). A name nobody registered fails the bootstrap naming it
 * (`nest-resilience:api-client:<name>`).
 * @example
 * ```ts
 * constructor(@InjectApiClient('payments') private readonly payments: ApiClient) {}
 * ```
 * @publicApi
 */
export function InjectApiClient(name: string): PropertyDecorator & ParameterDecorator {
  return Inject(getApiClientToken(checkName('InjectApiClient', name)));
}

/**
 * Injects the `Endpoint` registered as `name` (`forRoot({ endpoints })` or
 * `registerEndpoint[Async]({ name })`); an unregistered name fails the bootstrap, as for
 * {@link InjectApiClient}.
 * @example
 * ```ts
 * constructor(@InjectEndpoint('openaiChat') private readonly chat: Endpoint) {}
 * ```
 * @publicApi
 */
export function InjectEndpoint(name: string): PropertyDecorator & ParameterDecorator {
  return Inject(getEndpointToken(checkName('InjectEndpoint', name)));
}

function checkName(decorator: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new ResilienceConfigError(`@${decorator}()`, name, 'a non-empty client or endpoint name');
  return name;
}
