import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BulkheadHealthIndicator } from './bulkhead.health.js';
import { CircuitBreakerHealthIndicator } from './circuit-breaker.health.js';
import { ExecutorHealthIndicator } from './executor.health.js';

/**
 * Provides {@link CircuitBreakerHealthIndicator}, {@link BulkheadHealthIndicator} and
 * {@link ExecutorHealthIndicator}. Import it next to `TerminusModule` in the module of your health
 * controller (needs `ResilienceModule`, global by default: the indicators read its public
 * `CircuitBreakerService` and `BulkheadService`, and the executors of `ResilienceExecutorModule` if any).
 * @publicApi
 */
@Module({
  imports: [TerminusModule],
  providers: [CircuitBreakerHealthIndicator, BulkheadHealthIndicator, ExecutorHealthIndicator],
  exports: [CircuitBreakerHealthIndicator, BulkheadHealthIndicator, ExecutorHealthIndicator],
})
export class ResilienceHealthModule {}
