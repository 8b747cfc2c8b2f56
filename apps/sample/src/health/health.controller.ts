import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { BulkheadHealthIndicator, CircuitBreakerHealthIndicator } from 'nest-resilience/health';

/**
 * `GET /health`: Terminus report with every circuit breaker under `circuits` and every bulkhead
 * (calls in flight and queued) under `bulkheads`. 200 while no breaker is open; 503 (status
 * `error`) while one is. A full bulkhead is reported, not an error: it is load shed as designed.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
    private readonly bulkheads: BulkheadHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.circuits.isHealthy('circuits'), () => this.bulkheads.isHealthy('bulkheads')]);
  }
}
