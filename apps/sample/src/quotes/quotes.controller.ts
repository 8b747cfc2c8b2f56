import { BadRequestException, Controller, Get, Param } from '@nestjs/common';
import { QuotesService, type Quote } from './quotes.service.js';

const TICKER = /^[A-Za-z][A-Za-z0-9.]{0,9}$/;

/** `GET /quotes/:symbol`: the quote, through the resilient client. */
@Controller('quotes')
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @Get(':symbol')
  get(@Param('symbol') symbol: string): Promise<Quote> {
    if (!TICKER.test(symbol)) throw new BadRequestException(`Invalid ticker ${JSON.stringify(symbol)}`);
    return this.quotes.getQuote(symbol.toUpperCase());
  }
}
