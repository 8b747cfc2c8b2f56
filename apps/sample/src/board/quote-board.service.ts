import { Injectable } from '@nestjs/common';
import { Bulkhead, Fallback, Timeout } from 'nest-resilience';
import { QuotesService, type Quote } from '../quotes/quotes.service.js';
import { BOARD_POLICY } from '../sample.constants.js';

/** A quote on the board: fresh from the provider, or the last one known when it cannot answer in time. */
export interface BoardQuote extends Quote {
  /** True when the provider did not answer (in time): this is the last quote it gave. */
  stale: boolean;
  /** Why a stale quote was shown: the error's name (`TimeoutError`, `CircuitBreakerOpenError`, ...). */
  staleReason?: string;
}

/**
 * The quote board: always answers fast. A board call is bounded as a whole (`timeouts.board`:
 * the quotes call with its retries and waits) and holds one of `bulkheads.board`'s slots, so a
 * slow provider cannot pile up board requests. When the provider cannot answer in time (a
 * timeout, an open breaker, a full bulkhead, a 5xx: the transient failures), the board shows
 * the last quote it got for the symbol, marked `stale`; with none yet, the error goes through.
 * A symbol the provider does not know (404, not transient) is never hidden by a stale quote.
 */
@Injectable()
export class QuoteBoardService {
  private readonly lastKnown = new Map<string, Quote>();

  constructor(private readonly quotes: QuotesService) {}

  @Fallback({ method: 'lastKnownQuote' })
  @Timeout(BOARD_POLICY)
  @Bulkhead(BOARD_POLICY)
  async quote(symbol: string): Promise<BoardQuote> {
    const quote = await this.quotes.getQuote(symbol);
    // Also when the board already answered stale: a late answer still refreshes the cache.
    this.lastKnown.set(symbol, quote);
    return { ...quote, stale: false };
  }

  /** The fallback of {@link quote}: the last quote of `symbol`, or the error when there is none. */
  lastKnownQuote(error: unknown, symbol: string): BoardQuote {
    const quote = this.lastKnown.get(symbol);
    if (quote === undefined) throw error;
    return { ...quote, stale: true, staleReason: (error as Error).name };
  }
}
