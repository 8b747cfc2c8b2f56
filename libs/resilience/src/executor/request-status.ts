/**
 * The lifecycle of a {@link NetworkRequestEvent}: `PENDING → QUEUED → PROCESSING → CALLING →
 * COMPLETED | FAILED | CANCELLED`; between two attempts an event goes from `CALLING` back to
 * `PROCESSING`. The value of each status is its name.
 * @publicApi
 */
export const RequestStatus = Object.freeze({
  /** Created; waiting for a place in the queue (`whenFull: 'wait'`). */
  PENDING: 'PENDING',
  /** Holds a place in the queue; waiting for a concurrency slot. */
  QUEUED: 'QUEUED',
  /** Holds a slot; passing the breaker and the limits, or waiting before a retry. */
  PROCESSING: 'PROCESSING',
  /** The task runs. */
  CALLING: 'CALLING',
  /** The task resolved (terminal). */
  COMPLETED: 'COMPLETED',
  /** The last attempt failed, or a limit refused the event (terminal). */
  FAILED: 'FAILED',
  /** Cancelled by `cancel()`, its signal, or `stop({ drain: false })` (terminal). */
  CANCELLED: 'CANCELLED',
} as const);

/** One of the {@link RequestStatus} values. @publicApi */
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

/** True for `COMPLETED`, `FAILED` and `CANCELLED`. @publicApi */
export function isTerminalStatus(status: RequestStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}
