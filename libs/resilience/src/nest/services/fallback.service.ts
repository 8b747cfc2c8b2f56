import { Injectable } from '@nestjs/common';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic fallbacks with the configured policies (`value` or `fn` ones: a `method`
 * fallback needs a decorated instance).
 * @example
 * ```ts
 * const items = await this.fallbacks.execute('emptyList', () => this.recommender.forUser(id), { args: [id] });
 * ```
 * @publicApi
 */
@Injectable()
export class FallbackService extends PolicyService<'fallback'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'fallback');
  }

  /**
   * Runs `fn`; when it fails with an error the policy handles (default: transient ones, never
   * programming errors), resolves to the fallback instead (`fn` fallbacks get `(error, ...options.args)`).
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }
}
