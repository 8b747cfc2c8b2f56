import { BadRequestException, Controller, Get, Param } from '@nestjs/common';
import { QuoteBoardService, type BoardQuote } from './quote-board.service.js';

const TICKER = /^[A-Za-z][A-Za-z0-9.]{0,9}$/;

/** `GET /board/:symbol`: the quote within the board's deadline, or the last known one (`stale: true`). */
@Controller('board')
export class QuoteBoardController {
  constructor(private readonly board: QuoteBoardService) {}

  @Get(':symbol')
  get(@Param('symbol') symbol: string): Promise<BoardQuote> {
    if (!TICKER.test(symbol)) throw new BadRequestException(`Invalid ticker ${JSON.stringify(symbol)}`);
    return this.board.quote(symbol.toUpperCase());
  }
}
