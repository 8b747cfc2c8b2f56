import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from './circuit-breaker.health.js';

/**
 * Provides {@link CircuitBreakerHealthIndicator}. Import it next to `TerminusModule` in the
 * module of your health controller (needs the global `ResilienceModule`).
 * @publicApi
 */
@Module({
  imports: [TerminusModule],
  providers: [CircuitBreakerHealthIndicator],
  exports: [CircuitBreakerHealthIndicator],
})
export class ResilienceHealthModule {}
