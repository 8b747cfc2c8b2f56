import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/** Which deadline passed: one attempt's (`timeoutMs`) or the whole call's (`totalTimeoutMs`). @publicApi */
export type TimeoutScope = 'attempt' | 'total';

/**
 * Raised when a timeout policy's deadline passes before the call settles. The signal handed to
 * the method is aborted at the same moment (cooperative cancellation); the call rejects with this
 * error either way. Transient: a later attempt may be faster.
 * @publicApi
 */
export class TimeoutError extends ResilienceError {
  override readonly isTransient = true;
  /** Brand read by {@link isTimeoutError} (works across two copies of the package). */
  readonly isTimeoutError = true as const;

  constructor(
    /** Name of the timeout policy. */
    readonly policy: string,
    /** The deadline that passed, in milliseconds. */
    readonly timeoutMs: number,
    /** `'attempt'` (per-attempt `timeoutMs`) or `'total'` (`totalTimeoutMs`). */
    readonly scope: TimeoutScope,
    options?: { cause?: unknown },
  ) {
    super(
      `Timeout '${policy}': the ${scope === 'attempt' ? 'attempt' : 'call'} did not settle within ${timeoutMs} ms`,
      options,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), policy: this.policy, timeoutMs: this.timeoutMs, scope: this.scope };
  }
}

/**
 * True for a {@link TimeoutError}, also one raised by another copy of the package (reads the
 * `isTimeoutError` brand, not the prototype chain).
 * @publicApi
 */
export function isTimeoutError(error: unknown): error is TimeoutError {
  return hasErrorBrand(error, 'isTimeoutError');
}
