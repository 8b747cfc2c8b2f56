import { Catch, HttpStatus, Logger } from '@nestjs/common';
import {
  isCircuitBreakerOpenError,
  isRateLimiterRejectedError,
  ResilienceExceptionFilter,
  type ResilienceErrorResponse,
} from 'nest-resilience';
import {
  isApiClientError,
  isInvalidRequestError,
  isUpstreamNotFoundError,
  isUpstreamTimeoutError,
  type ApiClientError,
} from 'nest-resilience/http';

/** What the sample says about a failed provider call (no URL, no provider text, no key). */
export function describeProviderError(error: ApiClientError): string {
  if (error.status !== undefined) return `Quotes provider answered ${error.status}`;
  if (isUpstreamTimeoutError(error)) return 'Quotes provider did not answer in time';
  return 'Quotes provider is unreachable';
}

/**
 * The library's `ResilienceExceptionFilter` (breaker open → 503 + `Retry-After`, local rate
 * limit → 429 + `Retry-After`, bulkhead → 503, timeout → 504, other exceptions to Nest), worded
 * for the quotes provider:
 * - the breaker and limiter answers also name the policy (`circuit`, `limiter`);
 * - a provider failure (any `ApiClientError` but a request the client refused) → 404 when the
 *   provider does not know the symbol, else 502 with `upstreamStatus` (also for a provider
 *   timeout) and the provider's `Retry-After` when it sent one, logged as a warning.
 * Nothing the provider sent is echoed.
 */
@Catch()
export class QuotesExceptionFilter extends ResilienceExceptionFilter {
  private readonly logger = new Logger('Quotes');

  protected override toResponse(error: unknown): ResilienceErrorResponse | undefined {
    if (isApiClientError(error) && !isInvalidRequestError(error)) return this.providerFailure(error);
    const answer = super.toResponse(error);
    if (answer === undefined) return undefined;
    if (isCircuitBreakerOpenError(error)) return { ...answer, body: { ...answer.body, circuit: error.policy } };
    if (isRateLimiterRejectedError(error)) return { ...answer, body: { ...answer.body, limiter: error.policy } };
    return answer;
  }

  private providerFailure(error: ApiClientError): ResilienceErrorResponse {
    if (isUpstreamNotFoundError(error))
      return {
        status: HttpStatus.NOT_FOUND,
        body: { statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: 'Unknown symbol' },
      };
    const message = describeProviderError(error);
    // The error itself is safe to log too (`toJSON()` is redacted); the short form is enough here.
    this.logger.warn(
      `${message}: ${error.name}${error.requestId !== undefined ? ` (request ${error.requestId})` : ''}${error.isTransient ? ', transient, retries spent' : ''}`,
    );
    return {
      status: HttpStatus.BAD_GATEWAY,
      body: { statusCode: HttpStatus.BAD_GATEWAY, error: 'Bad Gateway', message, upstreamStatus: error.status ?? 0 },
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
}
