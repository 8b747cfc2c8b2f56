/**
 * Bulkhead options: at most `maxConcurrent` calls run at once; up to `maxQueued` more wait in
 * a FIFO queue, each at most `maxWaitMs`; beyond that a call is refused with
 * `BulkheadRejectedError`.
 * @example
 * ```ts
 * const bulkhead = BulkheadPolicy.create('db', { maxConcurrent: 10, maxQueued: 100, maxWaitMs: 1_000 });
 * ```
 * @publicApi
 */
export interface BulkheadOptions {
  /** Calls that run at once (an integer >= 1). Required. */
  maxConcurrent: number;
  /** Calls that may wait for a slot (an integer >= 0, or `Infinity`). Default 0: refuse at once when full. */
  maxQueued?: number;
  /** Longest wait in the queue, in ms (> 0, or `Infinity`). Default `Infinity`: wait until a slot frees (or the signal aborts). */
  maxWaitMs?: number;
}

/** Options after defaults and validation; produced once per policy. @publicApi */
export interface NormalizedBulkheadOptions {
  maxConcurrent: number;
  maxQueued: number;
  /** `Infinity` when waits are not bounded. */
  maxWaitMs: number;
}

/** The defaults of the optional {@link BulkheadOptions}: no queue, unbounded wait. @publicApi */
export const BULKHEAD_DEFAULTS = Object.freeze({ maxQueued: 0, maxWaitMs: Infinity }) satisfies Readonly<
  Partial<NormalizedBulkheadOptions>
>;

/** What a bulkhead holds now (this process only: bulkheads are not shared through a store). @publicApi */
export interface BulkheadSnapshot {
  name: string;
  /** Calls holding a slot (running, or woken and about to run). */
  inFlight: number;
  /** Calls waiting in the queue. */
  queued: number;
  maxConcurrent: number;
  maxQueued: number;
}
