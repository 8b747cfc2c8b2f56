import { Injectable } from '@nestjs/common';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic retries with the configured policies.
 * @example
 * ```ts
 * await this.retries.execute('idempotent', ({ attempt, signal }) => this.client.put(order, { signal }), { signal });
 * ```
 * @publicApi
 */
@Injectable()
export class RetryService extends PolicyService<'retry'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'retry');
  }

  /**
   * Runs `fn` (its context's `attempt` is 1 first) and retries it per the policy;
   * `options.signal` cancels a wait at once and stops further attempts.
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }
}
