import { Logger } from '@nestjs/common';
import type { AdaptiveRateLimiter, RegisterClientOptions } from 'nest-resilience/http';
import type { SampleConfig } from '../config/sample.config.js';

/** The options of the `quotes` client (its name is given to `ResilienceHttpModule.registerClientAsync`). */
export type QuotesClientOptions = Omit<RegisterClientOptions, 'name'>;

/**
 * The options of the sample's one client, `quotes`, for the provider at `baseUrl`. It sends
 * the key in `x-api-key` (a credential header: never logged or put in an error), goes through
 * the adaptive limiter (which every response's rate-limit headers update), and logs one debug
 * line per request. Retries, breaker and the fixed rate limit are the decorators' on
 * `QuotesService.getQuote`, so the client has none of its own.
 */
export function quotesClientOptions(
  sample: SampleConfig,
  baseUrl: string,
  adaptive: AdaptiveRateLimiter,
  timeoutMs = sample.requestTimeoutMs,
): QuotesClientOptions {
  return {
    baseUrl,
    timeoutMs,
    headers: { accept: 'application/json', 'x-api-key': sample.apiKey },
    adaptiveLimiter: adaptive,
    logger: new Logger('QuotesClient'),
  };
}
