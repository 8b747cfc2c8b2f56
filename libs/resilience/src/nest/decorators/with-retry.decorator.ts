import type { RetryOptions } from '../../core/retry/retry.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Retries the method on transient failures. `maxRetries` counts retries after the first
 * call (3 → up to 4 calls). Each retry passes the method's rate limiter and breaker again.
 *
 * A trailing `AbortSignal` argument (or an options argument with a `signal`) cancels waits.
 * @example
 * ```ts
 * @WithRetry({ maxRetries: 2, baseDelayMs: 200 })
 * async charge(order: Order) { ... }
 * ```
 * @publicApi
 */
export function WithRetry(nameOrOptions?: PolicyRef<RetryOptions>): MethodDecorator {
  return addPolicy('retry', nameOrOptions);
}
