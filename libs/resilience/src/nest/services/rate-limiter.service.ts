import { Injectable } from '@nestjs/common';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import type { RateLimiterSnapshot } from '../../core/rate-limiter/rate-limiter.policy.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic access to the rate limiters.
 * @example
 * ```ts
 * await this.limiters.execute('openai', () => this.callModel(req), { tokens: req.estimatedTokens });
 * ```
 * @publicApi
 */
@Injectable()
export class RateLimiterService extends PolicyService<'limiter'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'limiter');
  }

  /**
   * Takes the call's tokens (`options.tokens`, else the limiter's `tokens` of `options.args`),
   * waiting for them in `wait` mode, then runs `fn`. Rejects with `RateLimiterRejectedError`
   * (reject mode, or no tokens within `maxWaitMs`) or the signal's reason.
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }

  /** Takes tokens (in `options.lane`) without running anything (the policy's `acquire`). Resolves when admitted. */
  acquire(name: string, options: ExecuteOptions = {}): Promise<void> {
    try {
      return this.get(name).acquire(options.args, options.tokens, options.signal, options.lane);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** State of the limiter, or of one partition. */
  snapshot(name: string, partitionKey?: string): RateLimiterSnapshot {
    return this.get(name).snapshot(partitionKey);
  }
}
