import { Catch, Inject, Optional, type ArgumentsHost, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { ResilienceConfigError } from '../../core/errors/config.error.js';
import {
  retryAfterSeconds,
  toResilienceErrorResponse,
  type ResilienceErrorResponse,
} from './resilience-error-response.js';

/**
 * Opt-in exception filter that answers the library's refusals and upstream failures with the
 * right HTTP status (see {@link toResilienceErrorResponse}): breaker open → 503 + `Retry-After`,
 * local rate limit → 429 + `Retry-After`, bulkhead full → 503, `@Timeout` → 504, upstream
 * timeout → 504, upstream 404 → 404, other upstream failures → 502. Body:
 * `{ statusCode, error, message, retryAfterMs? }`, nothing from request headers or the upstream's body.
 * Every other exception goes to Nest's `BaseExceptionFilter` (an `HttpException` keeps its status,
 * anything else is a logged 500). Errors are recognised by brand, so two copies of the package are fine.
 *
 * Register it one of two ways:
 * ```ts
 * // 1. As a provider: Nest injects the HTTP adapter.
 * import { Module } from '@nestjs/common';
 * import { APP_FILTER } from '@nestjs/core';
 * import { ResilienceExceptionFilter } from 'nest-resilience';
 *
 * @Module({ providers: [{ provide: APP_FILTER, useClass: ResilienceExceptionFilter }] })
 * export class AppModule {}
 *
 * // 2. On the app: hand it the adapter host (or `app.getHttpAdapter()`) yourself.
 * import { HttpAdapterHost, NestFactory } from '@nestjs/core';
 * const app = await NestFactory.create(AppModule);
 * app.useGlobalFilters(new ResilienceExceptionFilter(app.get(HttpAdapterHost)));
 * ```
 * Without either (a bare `new ResilienceExceptionFilter()`), handling an exception throws a
 * `ResilienceConfigError` saying so. To change the answers (wording, extra fields, logging),
 * extend it and override {@link ResilienceExceptionFilter.toResponse}; keep `@Catch()` on the subclass.
 * HTTP only: in another context (RPC, WebSocket) it rethrows the exception.
 * @publicApi
 */
@Catch()
export class ResilienceExceptionFilter extends BaseExceptionFilter {
  /** @param adapter The `HttpAdapterHost` (injected under `APP_FILTER`) or the HTTP adapter itself. */
  constructor(@Optional() @Inject(HttpAdapterHost) adapter?: HttpAdapterHost | HttpServer) {
    const host = isAdapterHost(adapter);
    super(host ? undefined : adapter);
    if (host) (this as unknown as { httpAdapterHost: HttpAdapterHost }).httpAdapterHost = adapter;
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (adapter === undefined)
      throw new ResilienceConfigError(
        'ResilienceExceptionFilter',
        undefined,
        'an HTTP adapter: register it with APP_FILTER, or pass app.get(HttpAdapterHost) to its constructor',
      );
    const answer = this.toResponse(exception);
    if (answer === undefined) return super.catch(exception, host);
    const res: unknown = host.switchToHttp().getResponse();
    if (adapter.isHeadersSent(res)) {
      adapter.end(res);
      return;
    }
    if (answer.retryAfterMs !== undefined)
      adapter.setHeader(res, 'Retry-After', String(retryAfterSeconds(answer.retryAfterMs)));
    adapter.reply(res, answer.body, answer.status);
  }

  /**
   * The answer for `exception`, or `undefined` to leave it to Nest's default handling.
   * Default: {@link toResilienceErrorResponse}. Override to reword or add fields.
   */
  protected toResponse(exception: unknown): ResilienceErrorResponse | undefined {
    return toResilienceErrorResponse(exception);
  }
}

/** Structural, so an `HttpAdapterHost` of another copy of `@nestjs/core` is recognised too. */
function isAdapterHost(x: HttpAdapterHost | HttpServer | undefined): x is HttpAdapterHost {
  return (
    typeof x === 'object' &&
    x !== null &&
    'httpAdapter' in x &&
    typeof (x as unknown as HttpServer).reply !== 'function'
  );
}
