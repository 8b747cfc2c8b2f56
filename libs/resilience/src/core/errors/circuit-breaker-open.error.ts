import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/**
 * Raised instead of calling through while a breaker is open (or its half-open trial slots
 * are taken). `retryAfterMs` is when the breaker will next admit a trial call (never negative).
 * Transient.
 * @publicApi
 */
export class CircuitBreakerOpenError extends ResilienceError {
  /** Brand read by {@link isCircuitBreakerOpenError}. */
  readonly isCircuitBreakerOpenError = true as const;
  override readonly isTransient = true;

  constructor(
    /** Name of the breaker. */
    readonly policy: string,
    /** Ms until the breaker admits a trial call. */
    readonly retryAfterMs: number,
    /** `open`, or `half_open` with every trial slot taken. Default `open`. */
    readonly state: 'open' | 'half_open' = 'open',
    /** The partition whose breaker is open, for a partitioned breaker. */
    readonly partitionKey?: string,
  ) {
    super(
      `Circuit breaker '${policy}'${partitionKey !== undefined ? ` [${partitionKey}]` : ''} is ${
        state === 'open' ? 'open' : 'half-open with all trial calls in flight'
      }; retry after ${Math.ceil(retryAfterMs)} ms`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      policy: this.policy,
      state: this.state,
      retryAfterMs: this.retryAfterMs,
      partitionKey: this.partitionKey,
    };
  }
}

/** True for a {@link CircuitBreakerOpenError} from any copy of the package. @publicApi */
export function isCircuitBreakerOpenError(error: unknown): error is CircuitBreakerOpenError {
  return hasErrorBrand(error, 'isCircuitBreakerOpenError');
}
