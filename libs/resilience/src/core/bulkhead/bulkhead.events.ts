import type { BulkheadRejectReason } from '../errors/bulkhead-rejected.error.js';

/** Emitted by `BulkheadPolicy.onRejected` when a call is refused (it then rejects with `BulkheadRejectedError`). @publicApi */
export interface BulkheadRejectedEvent {
  readonly type: 'bulkhead.rejected';
  /** Name of the bulkhead policy. */
  readonly policy: string;
  /** `'queue-full'` (refused at once) or `'wait-timeout'` (queued longer than `maxWaitMs`). */
  readonly reason: BulkheadRejectReason;
  /** Calls holding a slot when it was refused. */
  readonly inFlight: number;
  /** Calls still waiting when it was refused. */
  readonly queued: number;
  /** The lane of the refused call (bulkheads with lanes only). */
  readonly lane?: string;
}

/** Emitted by `BulkheadPolicy.onQueued` when a call has to wait for a slot. @publicApi */
export interface BulkheadQueuedEvent {
  readonly type: 'bulkhead.queued';
  /** Name of the bulkhead policy. */
  readonly policy: string;
  /** Calls waiting (all lanes), this one included. */
  readonly queued: number;
  /** The lane it waits in (bulkheads with lanes only). */
  readonly lane?: string;
}
