import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { BulkheadService } from '../nest/services/bulkhead.service.js';
import { checkCriticalNames, indicatorResult } from './indicator-result.js';

/** Options of {@link BulkheadHealthIndicator.isHealthy}. @publicApi */
export interface BulkheadHealthOptions {
  /**
   * Bulkheads whose saturation makes the check `down` (names must exist). Default: none, the
   * check only reports: a full bulkhead is load being shed as designed, not a failure.
   */
  critical?: readonly string[];
}

/** One bulkhead as the health check reports it (this process). @publicApi */
export interface BulkheadHealth {
  /** Calls holding a slot now. */
  inFlight: number;
  /** Calls waiting for a slot now. */
  queued: number;
  maxConcurrent: number;
  maxQueued: number;
  /** True when every slot is taken and the queue is full: the next call is refused (`queue-full`). */
  saturated: boolean;
}

/**
 * What {@link BulkheadHealthIndicator.isHealthy} reports under its key (besides Terminus'
 * `status`). The check is `down` exactly when `saturatedCritical` is not empty.
 * @publicApi
 */
// A type alias, not an interface: Terminus' `up(data)` wants an object with an index signature.
export type BulkheadsHealth = {
  /** Every saturated bulkhead, critical or not. */
  saturated: string[];
  /** The saturated bulkheads named in `critical`: these make the check `down`. */
  saturatedCritical: string[];
  /** Every bulkhead by name. */
  bulkheads: Record<string, BulkheadHealth>;
};

/**
 * Terminus indicator reporting every bulkhead ({@link BulkheadsHealth}): calls in flight and
 * queued beside the limits, and whether it is saturated. `up` unless a bulkhead named in
 * `critical` is saturated. Reads the public `BulkheadService`.
 * @example
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.bulkheads.isHealthy('bulkheads', { critical: ['db'] })]); }
 * ```
 * @publicApi
 */
@Injectable()
export class BulkheadHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly service: BulkheadService,
  ) {}

  isHealthy<const Key extends string = 'bulkheads'>(
    key?: Key,
    options: BulkheadHealthOptions = {},
  ): HealthIndicatorResult<Key> {
    const snapshots = this.service.snapshots();
    const critical = new Set(options.critical ?? []);
    checkCriticalNames(critical, new Set(snapshots.map((s) => s.name)), 'bulkhead');
    const data: BulkheadsHealth = { saturated: [], saturatedCritical: [], bulkheads: {} };
    for (const s of snapshots) {
      const saturated = s.inFlight >= s.maxConcurrent && s.queued >= s.maxQueued;
      data.bulkheads[s.name] = {
        inFlight: s.inFlight,
        queued: s.queued,
        maxConcurrent: s.maxConcurrent,
        maxQueued: s.maxQueued,
        saturated,
      };
      if (!saturated) continue;
      data.saturated.push(s.name);
      if (critical.has(s.name)) data.saturatedCritical.push(s.name);
    }
    return indicatorResult(this.indicators, (key ?? 'bulkheads') as Key, data.saturatedCritical.length > 0, data);
  }
}
