import type { LanePlan } from '../lanes/lane-plan.js';
import type { LaneSelector } from '../lanes/lanes.normalize.js';
import type { PolicyLaneOptions } from '../lanes/lanes.options.js';

/**
 * Bulkhead options: at most `maxConcurrent` calls run at once; up to `maxQueued` more wait in
 * a FIFO queue, each at most `maxWaitMs`; beyond that a call is refused with
 * `BulkheadRejectedError`. Priority lanes (`lanes`, `defaultLane`, `laneAgingMs`, `lane`): a
 * lane's cap is `max(1, floor(maxConcurrent × maxShare))` slots, and the slots kept for the lanes
 * above it are `ceil(floorShare × maxConcurrent)`; see {@link PolicyLaneOptions} and docs/lanes.md.
 * @example
 * ```ts
 * const bulkhead = BulkheadPolicy.create('db', { maxConcurrent: 10, maxQueued: 100, maxWaitMs: 1_000 });
 * ```
 * @publicApi
 */
export interface BulkheadOptions extends PolicyLaneOptions {
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
  /** Priority lanes; absent: one FIFO queue. */
  lanes?: LanePlan;
  /** The `lane` option: a lane index (a name resolved once) or the function of the args. Only with `lanes`. */
  lane?: LaneSelector;
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
  /** Calls waiting, by lane name (without lanes: one entry, `default`). */
  queuedByLane: Record<string, number>;
  /** Calls holding a slot, by lane name (without lanes: one entry, `default`). */
  inFlightByLane: Record<string, number>;
  /** How long the oldest waiter of each lane has waited, ms; 0 when none waits (without lanes: `default`). */
  oldestWaitMs: Record<string, number>;
}

/** The lane name the snapshot of a bulkhead without lanes reports under. @publicApi */
export const BULKHEAD_DEFAULT_LANE = 'default';
