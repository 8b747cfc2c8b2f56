import { Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { CircuitBreakerService, type CircuitBreakerSnapshot } from 'nest-resilience';

/** `GET /circuits` and `POST /circuits/:name/reset`: look at and close the breakers by hand. */
@Controller('circuits')
export class CircuitsController {
  constructor(private readonly breakers: CircuitBreakerService) {}

  /** One snapshot per breaker (state, counters, last state changes). */
  @Get()
  list(): CircuitBreakerSnapshot[] {
    return this.breakers.snapshots();
  }

  /** Closes the breaker and clears its counters; 404 for an unknown name. */
  @Post(':name/reset')
  @HttpCode(200)
  reset(@Param('name') name: string): CircuitBreakerSnapshot {
    if (!this.breakers.names().includes(name)) {
      throw new NotFoundException(
        `No circuit breaker named ${JSON.stringify(name)} (known: ${this.breakers.names().join(', ')})`,
      );
    }
    this.breakers.reset(name);
    return this.breakers.snapshot(name);
  }
}
