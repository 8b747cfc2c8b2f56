import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/**
 * Raised under `onStoreError: 'fail-closed'` when a shared store (Redis, or any other
 * `ResilienceStore`) cannot answer: down, or slower than its timeout. Transient: a store
 * reconnects by itself.
 * @publicApi
 */
export class StoreUnavailableError extends ResilienceError {
  /** Brand read by {@link isStoreUnavailableError}. */
  readonly isStoreUnavailableError = true as const;
  override readonly isTransient = true;

  constructor(
    /** Policy (or counter key) whose state could not be reached. */
    readonly policy: string,
    /** What failed, without connection details (no URL, no password). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Shared store unavailable for '${policy}': ${reason}`, options);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), policy: this.policy, reason: this.reason };
  }
}

/** True for a {@link StoreUnavailableError} from any copy of the package. @publicApi */
export function isStoreUnavailableError(error: unknown): error is StoreUnavailableError {
  return hasErrorBrand(error, 'isStoreUnavailableError');
}
