import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

/**
 * What `event.result()` rejects with for a cancelled event (`cancel()`, its signal, or
 * `stop({ drain: false })`), and the reason of the task's `ctx.signal` when it is cancelled
 * while calling. Permanent.
 * @publicApi
 */
export class RequestCancelledError extends ResilienceError {
  /** Brand read by {@link isRequestCancelledError}. */
  readonly isRequestCancelledError = true as const;
  constructor(
    /** Name of the executor. */
    readonly executor: string,
    /** Id of the event. */
    readonly requestId: string,
    /** Why, as given to `cancel(reason)` (a string; an error's message). */
    readonly reason?: string,
  ) {
    super(`Request ${requestId} of executor '${executor}' was cancelled${reason !== undefined ? `: ${reason}` : ''}`);
  }
  override toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...super.toJSON(), executor: this.executor, requestId: this.requestId };
    if (this.reason !== undefined) out.reason = this.reason;
    return out;
  }
}

/** True for a {@link RequestCancelledError}, also from another copy of the package. @publicApi */
export function isRequestCancelledError(error: unknown): error is RequestCancelledError {
  return hasErrorBrand(error, 'isRequestCancelledError');
}
