import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

/**
 * Thrown synchronously by `Executor.submit` when every slot is taken and the queue holds
 * `queueCapacity` events (`whenFull: 'reject'`, the default): the task was not accepted and
 * never runs. Transient: places free up as queued events start.
 * @publicApi
 */
export class ExecutorQueueFullError extends ResilienceError {
  override readonly isTransient = true;
  /** Brand read by {@link isExecutorQueueFullError}. */
  readonly isExecutorQueueFullError = true as const;
  constructor(
    /** Name of the executor. */
    readonly executor: string,
    /** The executor's `queueCapacity`. */
    readonly queueCapacity: number,
  ) {
    super(`Executor '${executor}' is full: ${queueCapacity} event(s) queued`);
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), executor: this.executor, queueCapacity: this.queueCapacity };
  }
}

/** True for an {@link ExecutorQueueFullError}, also from another copy of the package. @publicApi */
export function isExecutorQueueFullError(error: unknown): error is ExecutorQueueFullError {
  return hasErrorBrand(error, 'isExecutorQueueFullError');
}
