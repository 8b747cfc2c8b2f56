import { Logger } from '@nestjs/common';
import type { AdaptiveRateLimiter, ResilienceHttpModuleOptions } from 'nest-resilience/http';
import type { SampleConfig } from '../config/sample.config.js';
import { QUOTES_CLIENT } from '../sample.constants.js';

/**
 * The `ResilienceHttpModule` options of the sample: one client, `quotes`, for the provider at
 * `baseUrl`. It sends the key in `x-api-key` (a credential header: never logged or put in an
 * error), goes through the adaptive limiter (which every response's rate-limit headers
 * update), and logs one debug line per request. Retries, breaker and the fixed rate limit are
 * the decorators' on `QuotesService.getQuote`, so the client has none of its own.
 */
export function quotesHttpOptions(
  sample: SampleConfig,
  baseUrl: string,
  adaptive: AdaptiveRateLimiter,
  timeoutMs = sample.requestTimeoutMs,
): ResilienceHttpModuleOptions {
  return {
    clients: {
      [QUOTES_CLIENT]: {
        baseUrl,
        timeoutMs: timeoutMs,
        headers: { accept: 'application/json', 'x-api-key': sample.apiKey },
        adaptiveLimiter: adaptive,
        logger: new Logger('QuotesClient'),
      },
    },
  };
}
