import { HttpStatus } from '@nestjs/common';
import { hasErrorBrand } from '../../core/errors/brand.js';
import { isBulkheadRejectedError } from '../../core/errors/bulkhead-rejected.error.js';
import { isCircuitBreakerOpenError } from '../../core/errors/circuit-breaker-open.error.js';
import { isRateLimiterRejectedError } from '../../core/errors/rate-limiter-rejected.error.js';
import { retryAfterOf } from '../../core/errors/retry-after.js';
import { isStoreUnavailableError } from '../../core/errors/store-unavailable.error.js';
import { isTimeoutError } from '../../core/errors/timeout.error.js';

/**
 * The JSON body {@link ResilienceExceptionFilter} sends, shaped like Nest's own error bodies.
 * A subclass of the filter may add fields.
 * @publicApi
 */
export interface ResilienceErrorBody {
  /** The HTTP status, repeated. */
  statusCode: number;
  /** The status's reason phrase (`Service Unavailable`, ...). */
  error: string;
  /** Safe to show: a policy's own message, or a fixed sentence for an upstream failure. */
  message: string;
  /** When to try again, ms (rounded up), when the error says so. */
  retryAfterMs?: number;
  readonly [field: string]: unknown;
}

/** What a library error becomes over HTTP. @publicApi */
export interface ResilienceErrorResponse {
  /** The HTTP status. */
  status: number;
  body: ResilienceErrorBody;
  /** Sent as `Retry-After` (whole seconds, at least 1) when set. */
  retryAfterMs?: number;
}

/**
 * `Retry-After` in whole seconds: `ceil(ms / 1000)`, at least 1 (a client must not hammer a 0).
 * @publicApi
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

// The HTTP layer's errors are recognised by their brands alone (the Nest layer does not import
// `nest-resilience/http`); the brand names are those of `http/errors/*.error.ts`.
const isApiClientError = (e: unknown): e is Error & { status?: unknown } => hasErrorBrand(e, 'isApiClientError');

function response(status: number, error: string, message: string, retryAfterMs?: number): ResilienceErrorResponse {
  if (retryAfterMs === undefined) return { status, body: { statusCode: status, error, message } };
  const ms = Math.ceil(retryAfterMs);
  return { status, body: { statusCode: status, error, message, retryAfterMs: ms }, retryAfterMs: ms };
}

/**
 * Maps an error of this library to its HTTP answer, or `undefined` when it is not one the
 * filter answers for (then Nest's default handling applies: 500 for a bug, an `HttpException`'s
 * own status). Recognises errors by their brands, so errors of another copy of the package map too.
 *
 * | error | status | `Retry-After` | message |
 * |---|---|---|---|
 * | `CircuitBreakerOpenError` | 503 | yes | the error's |
 * | `RateLimiterRejectedError` (local limiter) | 429 | yes | the error's |
 * | `BulkheadRejectedError` | 503 | when it carries `retryAfterMs` | the error's |
 * | `TimeoutError` (core `@Timeout`) | 504 | no | the error's |
 * | `StoreUnavailableError` | 503 | no | the error's (no connection details) |
 * | `UpstreamTimeoutError` | 504 | no | fixed |
 * | `UpstreamNotFoundError` | 404 | no | fixed |
 * | `ClientClosedError` | 503 | no | fixed |
 * | `InvalidRequestError`, `HostOverrideError`, `HeaderInjectionError`, `ResilienceConfigError` | not mapped (500: a bug) | | |
 * | any other `ApiClientError` (upstream status, connection, abort) | 502 | the upstream's, if sent | fixed |
 *
 * Upstream messages are fixed sentences (`Upstream service answered 503`): the upstream's URL,
 * body and headers never reach the client.
 * @publicApi
 */
export function toResilienceErrorResponse(error: unknown): ResilienceErrorResponse | undefined {
  if (isCircuitBreakerOpenError(error))
    return response(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', error.message, error.retryAfterMs);
  if (isRateLimiterRejectedError(error))
    return response(HttpStatus.TOO_MANY_REQUESTS, 'Too Many Requests', error.message, error.retryAfterMs);
  if (isBulkheadRejectedError(error))
    return response(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', error.message, retryAfterOf(error));
  if (isTimeoutError(error)) return response(HttpStatus.GATEWAY_TIMEOUT, 'Gateway Timeout', error.message);
  if (isStoreUnavailableError(error))
    return response(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', error.message);
  if (!isApiClientError(error) || hasErrorBrand(error, 'isInvalidRequestError')) return undefined;
  if (hasErrorBrand(error, 'isUpstreamTimeoutError'))
    return response(HttpStatus.GATEWAY_TIMEOUT, 'Gateway Timeout', 'Upstream service did not answer in time');
  if (hasErrorBrand(error, 'isUpstreamNotFoundError'))
    return response(HttpStatus.NOT_FOUND, 'Not Found', 'Upstream service does not know this resource');
  if (hasErrorBrand(error, 'isClientClosedError'))
    return response(HttpStatus.SERVICE_UNAVAILABLE, 'Service Unavailable', 'Upstream client is closed');
  const message =
    typeof error.status === 'number' ? `Upstream service answered ${error.status}` : 'Upstream service is unreachable';
  return response(HttpStatus.BAD_GATEWAY, 'Bad Gateway', message, retryAfterOf(error));
}
