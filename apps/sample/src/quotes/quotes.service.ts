import { Inject, Injectable } from '@nestjs/common';
import { CircuitBreaker, RateLimited, WithRetry } from 'nest-resilience';
import { REQUEST_TIMEOUT_MS, UPSTREAM_URL } from '../sample.constants.js';
import { UpstreamError } from './upstream.error.js';

/** A quote as this service returns it. */
export interface Quote {
  symbol: string;
  price: number;
  currency: string;
  /** The provider's sequence number of the answer. */
  seq: number;
}

/**
 * Client of the quotes provider. Every call goes through the `quotes` policies, in the
 * library's fixed order: retry ▸ circuit breaker ▸ rate limiter ▸ this method. So each
 * attempt (retries included) takes a token and is counted by the breaker, a provider
 * `Retry-After` is waited for (up to `maxRetryAfterMs`), and an open breaker fails fast.
 */
@Injectable()
export class QuotesService {
  constructor(
    @Inject(UPSTREAM_URL) private readonly baseUrl: string,
    @Inject(REQUEST_TIMEOUT_MS) private readonly timeoutMs: number,
  ) {}

  /** Fetches the quote of `symbol` (upper-case ticker). Throws {@link UpstreamError}. */
  @CircuitBreaker('quotes')
  @WithRetry('quotes')
  @RateLimited('quotes')
  async getQuote(symbol: string): Promise<Quote> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/quotes/${encodeURIComponent(symbol)}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw UpstreamError.fromTransport(error);
    }
    if (!res.ok) {
      // Drain the body so the keep-alive connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      throw UpstreamError.fromResponse(res.status, res.headers.get('retry-after'), Date.now());
    }
    const body = (await res.json()) as Quote;
    return { symbol: body.symbol, price: body.price, currency: body.currency, seq: body.seq };
  }
}
