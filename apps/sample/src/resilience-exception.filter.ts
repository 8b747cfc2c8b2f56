import { Catch, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { CircuitBreakerOpenError, RateLimitExceededError } from 'nest-resilience';
import { UpstreamError } from './quotes/upstream.error.js';

/** `Retry-After` in whole seconds, at least 1 (a client must not hammer a 0). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Turns resilience and provider failures into HTTP answers:
 * - `CircuitBreakerOpenError` → 503 with `Retry-After` (when the breaker admits a trial call);
 * - `RateLimitExceededError` → 429 with `Retry-After` (when tokens are available again);
 * - `UpstreamError` → 404 when the provider does not know the symbol, else 502 (with the
 *   provider's `Retry-After` when it sent one).
 * Other exceptions go to Nest's default handling.
 */
@Catch(CircuitBreakerOpenError, RateLimitExceededError, UpstreamError)
export class ResilienceExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Quotes');

  catch(error: CircuitBreakerOpenError | RateLimitExceededError | UpstreamError, host: ArgumentsHost): void {
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
    if (error instanceof RateLimitExceededError) {
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
    if (error.status === HttpStatus.NOT_FOUND) {
      res.status(HttpStatus.NOT_FOUND).json({ statusCode: HttpStatus.NOT_FOUND, error: 'Not Found', message: 'Unknown symbol' });
      return;
    }
    this.logger.warn(`${error.message}${error.isTransient ? ' (transient, retries spent)' : ''}`);
    if (error.retryAfterMs !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds(error.retryAfterMs)));
    res.status(HttpStatus.BAD_GATEWAY).json({
      statusCode: HttpStatus.BAD_GATEWAY,
      error: 'Bad Gateway',
      message: error.message,
      upstreamStatus: error.status,
    });
  }
}
