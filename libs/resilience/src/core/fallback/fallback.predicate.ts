import { isResilienceConfigError } from '../errors/config.error.js';

/**
 * The default `fallbackOn` filter: errors whose `isTransient` is `true`. That covers this
 * library's refusals and deadlines (`CircuitBreakerOpenError`, `RateLimiterRejectedError`,
 * `BulkheadRejectedError`, `TimeoutError`) and the transient upstream errors of the HTTP layer,
 * but not plain `Error`s, aborts or permanent failures (pass `fallbackOn` to widen it).
 * @publicApi
 */
export function fallsBackByDefault(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { isTransient?: unknown }).isTransient === true;
}

/**
 * True for programming errors, which a fallback never hides whatever its filters say:
 * `TypeError`, `ReferenceError`, `SyntaxError`, `RangeError`, `EvalError`, `URIError` (and their
 * subclasses) and `ResilienceConfigError` (from any copy of the package).
 * @publicApi
 */
export function isProgrammingError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof RangeError ||
    error instanceof EvalError ||
    error instanceof URIError ||
    isResilienceConfigError(error)
  );
}
