import { Injectable } from '@nestjs/common';
import type { RetryPolicy } from '../../core/retry/retry.policy.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';

/**
 * Programmatic retries with the configured policies.
 * @example
 * ```ts
 * await this.retries.execute('idempotent', ({ attempt }) => this.client.put(order), signal);
 * ```
 * @publicApi
 */
@Injectable()
export class RetryService {
  constructor(private readonly registry: ResilienceRegistry) {}

  /** The retry policy named `name`; throws `ResilienceConfigError` when none exists. */
  get(name: string): RetryPolicy {
    return this.registry.retry(name);
  }

  /** Runs `fn` (attempt 0 first) and retries per the policy; `signal` cancels waits at once. */
  execute<T>(
    name: string,
    fn: (ctx: { attempt: number; signal?: AbortSignal }) => T | Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.registry.retry(name).execute(fn, signal);
  }

  names(): string[] {
    return this.registry.names('retry');
  }
}
