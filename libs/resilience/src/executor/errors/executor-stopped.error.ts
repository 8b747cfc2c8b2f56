import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

/** Thrown synchronously by `Executor.submit` once `stop()` was called. Permanent. @publicApi */
export class ExecutorStoppedError extends ResilienceError {
  /** Brand read by {@link isExecutorStoppedError}. */
  readonly isExecutorStoppedError = true as const;
  constructor(
    /** Name of the executor. */
    readonly executor: string,
  ) {
    super(`Executor '${executor}' is stopped: no new submissions`);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), executor: this.executor };
  }
}

/** True for an {@link ExecutorStoppedError}, also from another copy of the package. @publicApi */
export function isExecutorStoppedError(error: unknown): error is ExecutorStoppedError {
  return hasErrorBrand(error, 'isExecutorStoppedError');
}
