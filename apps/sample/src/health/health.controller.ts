import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { CircuitBreakerHealthIndicator } from 'nest-resilience/health';

/**
 * `GET /health`: Terminus report with every circuit breaker under `circuits`.
 * 200 while no breaker is open; 503 (status `error`) while one is.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly circuits: CircuitBreakerHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.circuits.isHealthy('circuits')]);
  }
}
