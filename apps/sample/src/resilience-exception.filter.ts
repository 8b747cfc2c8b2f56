import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { CircuitBreakerOpenError, RateLimiterRejectedError } from 'nest-resilience';
import { ApiClientError, UpstreamTimeoutError, UpstreamNotFoundError } from 'nest-resilience/http';

/** `Retry-After` in whole seconds, at least 1 (a client must not hammer a 0). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** What the sample says about a failed provider call (no URL, no provider text, no key). */
export function describeProviderError(error: ApiClientError): string {
  if (error.status !== undefined) return `Quotes provider answered ${error.status}`;
  if (error instanceof UpstreamTimeoutError) return 'Quotes provider did not answer in time';
  return 'Quotes provider is unreachable';
}

/**
 * Turns resilience and provider failures into HTTP answers:
 * - `CircuitBreakerOpenError` → 503 with `Retry-After` (when the breaker admits a trial call);
 * - `RateLimiterRejectedError` (the `quotes` limiter, or the adaptive one in the client) → 429
 *   with `Retry-After` (when tokens are available again);
 * - `ApiClientError` (the `quotes` client's typed errors) → 404 when the provider does not
 *   know the symbol, else 502 (with the provider's `Retry-After` when it sent one).
 * Other exceptions go to Nest's default handling. Nothing the provider sent is echoed.
 */
@Catch(CircuitBreakerOpenError, RateLimiterRejectedError, ApiClientError)
export class ResilienceExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Quotes');

  catch(error: CircuitBreakerOpenError | RateLimiterRejectedError | ApiClientError, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (error instanceof CircuitBreakerOpenError) {
      res.setHeader('Retry-After', String(retryAfterSeconds(error.retryAfterMs)));
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        error: 'Service Unavailable',
        message: error.message,
        circuit: error.policy,
        retryAfterMs: Math.ceil(error.retryAfterMs),
      });
      return;
    }
    if (error instanceof RateLimiterRejectedError) {
      res.setHeader('Retry-After', String(retryAfterSeconds(error.retryAfterMs)));
      res.status(HttpStatus.TOO_MANY_REQUESTS).json({
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        error: 'Too Many Requests',
        message: error.message,
        limiter: error.policy,
        retryAfterMs: Math.ceil(error.retryAfterMs),
      });
      return;
    }
    if (error instanceof UpstreamNotFoundError) {
      res
        .status(HttpStatus.NOT_FOUND)
        .json({ statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: 'Unknown symbol' });
      return;
    }
    const message = describeProviderError(error);
    // The error itself is safe to log too (`toJSON()` is redacted); the short form is enough here.
    this.logger.warn(
      `${message}: ${error.name}${error.requestId !== undefined ? ` (request ${error.requestId})` : ''}${error.isTransient ? ', transient, retries spent' : ''}`,
    );
    if (error.retryAfterMs !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds(error.retryAfterMs)));
    res.status(HttpStatus.BAD_GATEWAY).json({
      statusCode: HttpStatus.BAD_GATEWAY,
      error: 'Bad Gateway',
      message,
      upstreamStatus: error.status ?? 0,
    });
  }
}
