import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/**
 * Why a bulkhead refused a call: every slot was taken and the queue was full (`'queue-full'`,
 * raised at once), or the caller queued and no slot came free within `maxWaitMs` (`'wait-timeout'`).
 * @publicApi
 */
export type BulkheadRejectReason = 'queue-full' | 'wait-timeout';

/**
 * Raised by a bulkhead that cannot give the caller a slot. The method was never called.
 * Transient: slots free up as the calls in flight settle.
 * @publicApi
 */
export class BulkheadRejectedError extends ResilienceError {
  override readonly isTransient = true;
  /** Brand read by {@link isBulkheadRejectedError} (works across two copies of the package). */
  readonly isBulkheadRejectedError = true as const;

  constructor(
    /** Name of the bulkhead policy. */
    readonly policy: string,
    readonly reason: BulkheadRejectReason,
    /** The bulkhead's `maxConcurrent`. */
    readonly maxConcurrent: number,
    /** The bulkhead's `maxQueued`. */
    readonly maxQueued: number,
  ) {
    super(
      reason === 'queue-full'
        ? `Bulkhead '${policy}' is full: ${maxConcurrent} call(s) in flight and ${maxQueued} queued`
        : `Bulkhead '${policy}': no slot of ${maxConcurrent} came free within maxWaitMs`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      policy: this.policy,
      reason: this.reason,
      maxConcurrent: this.maxConcurrent,
      maxQueued: this.maxQueued,
    };
  }
}

/**
 * True for a {@link BulkheadRejectedError}, also one raised by another copy of the package
 * (reads the `isBulkheadRejectedError` brand, not the prototype chain).
 * @publicApi
 */
export function isBulkheadRejectedError(error: unknown): error is BulkheadRejectedError {
  return hasErrorBrand(error, 'isBulkheadRejectedError');
}
