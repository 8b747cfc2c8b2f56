import { Injectable } from '@nestjs/common';
import { CircuitBreaker, RateLimited, WithRetry } from 'nest-resilience';
import { InjectApiClient, type ApiClient } from 'nest-resilience/http';
import { QUOTES_CLIENT } from '../sample.constants.js';
import type { UpstreamQuote } from '../upstream/flaky-upstream.js';

/** A quote as this service returns it. */
export interface Quote {
  symbol: string;
  price: number;
  currency: string;
  /** The provider's sequence number of the answer. */
  seq: number;
}

/**
 * Client of the quotes provider, through the `quotes` `ApiClient` declared in
 * `ResilienceHttpModule`. Every call goes through the `quotes` policies, in the library's
 * fixed order: retry ▸ circuit breaker ▸ rate limiter ▸ this method. So each attempt
 * (retries included) takes a token and is counted by the breaker, a provider `Retry-After`
 * is waited for (up to `maxRetryAfterMs`), and an open breaker fails fast. Inside, the
 * client's adaptive limiter paces the attempts to what the provider's headers allow.
 */
@Injectable()
export class QuotesService {
  constructor(@InjectApiClient(QUOTES_CLIENT) private readonly client: ApiClient) {}

  /**
   * Fetches the quote of `symbol` (upper-case ticker). Throws the client's typed errors
   * (`UpstreamNotFoundError` for an unknown symbol, `UpstreamServerError`, `UpstreamRateLimitError`,
   * `UpstreamTimeoutError`, ...), which carry `isTransient` and `retryAfterMs` for the policies.
   */
  @CircuitBreaker('quotes')
  @WithRetry('quotes')
  @RateLimited('quotes')
  async getQuote(symbol: string): Promise<Quote> {
    const body = await this.client.request<UpstreamQuote>('GET', `/quotes/${encodeURIComponent(symbol)}`);
    return { symbol: body.symbol, price: body.price, currency: body.currency, seq: body.seq };
  }
}
