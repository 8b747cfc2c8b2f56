import { Injectable } from '@nestjs/common';
import type { BulkheadSnapshot } from '../../core/bulkhead/bulkhead.options.js';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic access to the bulkheads: run a function in one, read how full they are.
 * @example
 * ```ts
 * const report = await this.bulkheads.execute('reports', () => this.renderer.render(id), { signal });
 * this.bulkheads.snapshot('reports'); // { name: 'reports', inFlight: 4, queued: 2, maxConcurrent: 4, maxQueued: 16 }
 * ```
 * @publicApi
 */
@Injectable()
export class BulkheadService extends PolicyService<'bulkhead'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'bulkhead');
  }

  /**
   * Runs `fn` holding one of the bulkhead's slots, waiting for one (FIFO, up to `maxWaitMs`)
   * when all are taken and the queue has room. Rejects with `BulkheadRejectedError` (queue full,
   * or no slot in time) or, when `options.signal` aborts while waiting, with its reason.
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }

  /** Calls in flight and queued now (this process), with the bulkhead's limits. */
  snapshot(name: string): BulkheadSnapshot {
    return this.get(name).snapshot();
  }

  /** One snapshot per bulkhead (configured ones, then those of decorated methods). */
  snapshots(): BulkheadSnapshot[] {
    return this.all().map((b) => b.snapshot());
  }
}
