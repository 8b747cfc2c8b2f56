import { ResilienceError } from '../core/errors/errors.js';

/**
 * Raised under `onStoreError: 'fail-closed'` when the shared store cannot answer (Redis down,
 * or slower than `storeTimeoutMs`). Transient: the store reconnects by itself.
 * @publicApi
 */
export class StoreUnavailableError extends ResilienceError {
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
