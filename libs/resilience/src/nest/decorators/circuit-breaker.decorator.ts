import type { CircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Runs the method through a circuit breaker.
 *
 * - `@CircuitBreaker()`: a breaker named `ClassName.methodName` with the `breakers.default` options;
 * - `@CircuitBreaker('payments')`: the configured breaker `breakers.payments` (bootstrap fails if none);
 * - `@CircuitBreaker({ failureThreshold: 3 })`: inline options merged over `breakers.default`
 *   (add `name` to share the breaker between methods).
 *
 * State is keyed by name, shared by all instances of the class. The method becomes async.
 * @example
 * ```ts
 * @CircuitBreaker({ failureThreshold: 3, recoveryTimeMs: 10_000 })
 * async getQuote(symbol: string) { ... }
 * ```
 * @publicApi
 */
export function CircuitBreaker(nameOrOptions?: PolicyRef<CircuitBreakerOptions>): MethodDecorator {
  return addPolicy('breaker', nameOrOptions);
}
