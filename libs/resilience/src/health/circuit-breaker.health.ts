import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type {
  CircuitBreakerSnapshot,
  NormalizedCircuitBreakerOptions,
} from '../core/circuit-breaker/circuit-breaker.options.js';
import { CircuitBreakerService } from '../nest/services/circuit-breaker.service.js';
import { checkCriticalNames, indicatorResult } from './indicator-result.js';

/** Options of {@link CircuitBreakerHealthIndicator.isHealthy}. @publicApi */
export interface BreakerHealthOptions {
  /**
   * Breakers whose opening makes the check `down`. Default: every breaker. Names must exist.
   * Pass `[]` to report the circuits without ever failing the check.
   */
  critical?: readonly string[];
}

/**
 * One breaker (or partition) as reported by the health check. The failure count that decides
 * the next opening is named after the breaker's mode and shown beside its threshold:
 * `consecutiveFailures` / `failureThreshold` (consecutive mode) or `windowFailures`,
 * `failureRate` / `failureRateThreshold` (failure-rate mode). `totalFailures` and
 * `totalRejections` are lifetime totals of this process.
 * @publicApi
 */
export interface BreakerHealth {
  /** `closed`, `open` or `half_open` (an open breaker whose recovery time has passed). */
  state: CircuitBreakerSnapshot['state'];
  /** Consecutive mode: failures in a row now (cleared by a success and when the breaker opens). */
  consecutiveFailures?: number;
  /** Consecutive mode: `consecutiveFailures` that open the breaker. */
  failureThreshold?: number;
  /** Failure-rate mode: failures in the sliding window now. */
  windowFailures?: number;
  /** Failure-rate mode: failures in the window, in percent of its calls (0–100). */
  failureRate?: number;
  /** Failure-rate mode: the `failureRate` (percent) that opens the breaker. */
  failureRateThreshold?: number;
  /** Calls that failed since this process created the breaker (not cleared by `reset()`). */
  totalFailures: number;
  /** Calls refused while the breaker was open, since this process created it (not cleared by `reset()`). */
  totalRejections: number;
  /** When the breaker last opened (ISO 8601); present while open or half-open. */
  openedAt?: string;
  /** Milliseconds until a trial call is admitted (0 unless open). */
  retryAfterMs: number;
  /** Present (true) after `disable()`: every call passes, nothing is counted. */
  disabled?: true;
  /** Present (true) after `forceOpen()`: open until `reset()`, whatever the recovery time. */
  forcedOpen?: true;
}

/**
 * What {@link CircuitBreakerHealthIndicator.isHealthy} reports under its key (besides Terminus'
 * `status`). The check is `down` exactly when `openCritical` is not empty.
 * @publicApi
 */
// A type alias, not an interface: Terminus' `up(data)` wants an object with an index signature.
export type CircuitsHealth = {
  /** Where breaker state lives: `memory`, `redis`, ... */
  store: string;
  /** Every open breaker (or partition, as `name[key]`), critical or not. */
  open: string[];
  /** The open breakers that are critical: these make the check `down`. */
  openCritical: string[];
  /** Every breaker (and live partition) by label. */
  breakers: Record<string, BreakerHealth>;
};

/**
 * Terminus indicator reporting every circuit breaker ({@link CircuitsHealth}): state, the
 * failures that count toward opening beside their threshold, lifetime totals, when it opened
 * and when it will admit a trial call. `down` when a critical breaker is open (listed in
 * `openCritical`; `open` lists every open one); half-open is `up` (the breaker is probing).
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
    private readonly breakerService: CircuitBreakerService,
  ) {}

  isHealthy<const Key extends string = 'circuit_breakers'>(
    key?: Key,
    options: BreakerHealthOptions = {},
  ): HealthIndicatorResult<Key> {
    const service = this.breakerService;
    const breakers = service.names().map((name) => service.get(name));
    const critical = options.critical === undefined ? undefined : new Set(options.critical);
    if (critical !== undefined) checkCriticalNames(critical, new Set(breakers.map((b) => b.name)), 'breaker');
    const report: Record<string, BreakerHealth> = {};
    const open: string[] = [];
    const openCritical: string[] = [];
    for (const breaker of breakers) {
      for (const snap of breaker.snapshots()) {
        const label = snap.partitionKey === undefined ? snap.name : `${snap.name}[${snap.partitionKey}]`;
        report[label] = toHealth(snap, breaker.options);
        if (snap.state !== 'open') continue;
        open.push(label);
        if (critical === undefined || critical.has(snap.name)) openCritical.push(label);
      }
    }
    const data: CircuitsHealth = { store: service.storeKind, open, openCritical, breakers: report };
    return indicatorResult(this.indicators, (key ?? 'circuit_breakers') as Key, openCritical.length > 0, data);
  }
}

function toHealth(s: CircuitBreakerSnapshot, o: NormalizedCircuitBreakerOptions): BreakerHealth {
  const counts: Partial<BreakerHealth> =
    o.mode === 'consecutive'
      ? { consecutiveFailures: s.failureCount, failureThreshold: o.failureThreshold }
      : {
          windowFailures: s.failureCount,
          failureRate: Math.round((s.failureRate ?? 0) * 10) / 10,
          failureRateThreshold: o.failureRateThreshold,
        };
  const h: BreakerHealth = {
    state: s.state,
    ...counts,
    totalFailures: s.failures,
    totalRejections: s.rejections,
    retryAfterMs: Math.max(0, Math.ceil(s.retryAfterMs)),
  };
  if (s.openedAt !== undefined && s.state !== 'closed') h.openedAt = new Date(s.openedAt).toISOString();
  if (s.disabled) h.disabled = true;
  if (s.forcedOpen) h.forcedOpen = true;
  return h;
}
