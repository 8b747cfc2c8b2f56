import { Injectable } from '@nestjs/common';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic deadlines with the configured timeout policies.
 * @example
 * ```ts
 * const hits = await this.timeouts.execute('search', ({ signal }) => this.index.search(q, { signal }));
 * ```
 * @publicApi
 */
@Injectable()
export class TimeoutService extends PolicyService<'timeout'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'timeout');
  }

  /**
   * Runs `fn` under the policy's deadlines: its context's `signal` aborts at a deadline (linked
   * to `options.signal`), and the call rejects with `TimeoutError` then, whether or not `fn` stops.
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }
}
