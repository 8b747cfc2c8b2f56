import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BulkheadHealthIndicator } from './bulkhead.health.js';
import { CircuitBreakerHealthIndicator } from './circuit-breaker.health.js';

/**
 * Provides {@link CircuitBreakerHealthIndicator} and {@link BulkheadHealthIndicator}. Import it
 * next to `TerminusModule` in the module of your health controller (needs `ResilienceModule`,
 * global by default: the indicators read its public `CircuitBreakerService` and `BulkheadService`).
 * @publicApi
 */
@Module({
  imports: [TerminusModule],
  providers: [CircuitBreakerHealthIndicator, BulkheadHealthIndicator],
  exports: [CircuitBreakerHealthIndicator, BulkheadHealthIndicator],
})
export class ResilienceHealthModule {}
