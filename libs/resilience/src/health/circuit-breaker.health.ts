import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { CircuitBreakerSnapshot } from '../core/circuit-breaker/circuit-breaker.options.js';
import { ResilienceConfigError } from '../core/errors.js';
import { ResilienceRegistry } from '../nest/resilience.registry.js';

/** Options of {@link CircuitBreakerHealthIndicator.isHealthy}. @publicApi */
export interface BreakerHealthOptions {
  /**
   * Breakers whose opening makes the check `down`. Default: every breaker. Names must exist.
   * Pass `[]` to report the circuits without ever failing the check.
   */
  critical?: readonly string[];
}

/** One breaker (or partition) as reported by the health check. @publicApi */
export interface BreakerHealth {
  state: CircuitBreakerSnapshot['state'];
  failures: number;
  failureCount: number;
  rejections: number;
  openedAt?: string;
  retryAfterMs: number;
  disabled?: true;
  forcedOpen?: true;
}

/**
 * Terminus indicator reporting every circuit breaker: state, failures, when it opened and
 * when it will admit a trial call. `down` when a critical breaker is open; half-open is
 * `up` (the breaker is probing), with its state shown.
 * Uses `HealthIndicatorService`, so it works with @nestjs/terminus 11 and 12.
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.circuits.isHealthy('circuits')]); }
 * ```
 * @publicApi
 */
@Injectable()
export class CircuitBreakerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ResilienceRegistry,
  ) {}

  isHealthy<const Key extends string = 'circuit_breakers'>(key?: Key, options: BreakerHealthOptions = {}): HealthIndicatorResult<Key> {
    const session = this.indicators.check((key ?? 'circuit_breakers') as Key);
    const breakers = this.registry.breakers();
    const critical = options.critical === undefined ? undefined : new Set(options.critical);
    if (critical !== undefined) {
      const names = new Set(breakers.map((b) => b.name));
      for (const name of critical) {
        if (!names.has(name)) throw new ResilienceConfigError('health critical', name, `the name of a breaker: ${[...names].join(', ')}`);
      }
    }
    const report: Record<string, BreakerHealth> = {};
    const openCritical: string[] = [];
    for (const breaker of breakers) {
      for (const snap of breaker.snapshots()) {
        const label = snap.partitionKey === undefined ? snap.name : `${snap.name}[${snap.partitionKey}]`;
        report[label] = toHealth(snap);
        if (snap.state === 'open' && (critical === undefined || critical.has(snap.name))) openCritical.push(label);
      }
    }
    const data = { store: this.registry.storeKind, open: openCritical, breakers: report };
    return (openCritical.length > 0 ? session.down(data) : session.up(data)) as HealthIndicatorResult<Key>;
  }
}

function toHealth(s: CircuitBreakerSnapshot): BreakerHealth {
  const h: BreakerHealth = {
    state: s.state,
    failures: s.failures,
    failureCount: s.failureCount,
    rejections: s.rejections,
    retryAfterMs: Math.max(0, Math.ceil(s.retryAfterMs)),
  };
  if (s.openedAt !== undefined && s.state !== 'closed') h.openedAt = new Date(s.openedAt).toISOString();
  if (s.disabled) h.disabled = true;
  if (s.forcedOpen) h.forcedOpen = true;
  return h;
}
