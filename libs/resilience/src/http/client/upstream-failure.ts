import {
  isBulkheadRejectedError,
  isCircuitBreakerOpenError,
  isRateLimiterRejectedError,
} from '../../core/errors/index.js';
import { isApiClientError } from '../errors/api-client.error.js';
import { isHeaderInjectionError } from '../errors/header-injection.error.js';
import { isInvalidRequestError } from '../errors/invalid-request.error.js';
import { isClientClosedError, isUpstreamConnectionError, isUpstreamTimeoutError } from '../errors/transport.error.js';

/**
 * A breaker `failOn` predicate for HTTP clients: counts connection errors, timeouts, 5xx,
 * 408 and anything that is not an `ApiClientError`; ignores caller errors (4xx other than
 * 408, including 429, which means "slow down", not "down"), aborts, refused requests, and
 * local refusals that never reached the upstream (`RateLimiterRejectedError` from a limiter
 * inside the call, such as the client's `adaptiveLimiter`; `BulkheadRejectedError`;
 * `CircuitBreakerOpenError` of an inner breaker). A core `TimeoutError` counts (the upstream was slow).
 * @example
 * ```ts
 * ResilienceModule.forRoot({ breakers: { payments: { failOn: isUpstreamFailure } } });
 * ```
 * @publicApi
 */
export function isUpstreamFailure(error: unknown): boolean {
  if (!isApiClientError(error))
    return !(
      isHeaderInjectionError(error) ||
      isRateLimiterRejectedError(error) ||
      isBulkheadRejectedError(error) ||
      isCircuitBreakerOpenError(error)
    );
  if (isInvalidRequestError(error) || isClientClosedError(error)) return false;
  if (error.status === undefined) return isUpstreamConnectionError(error) || isUpstreamTimeoutError(error);
  return error.status >= 500 || error.status === 408;
}
