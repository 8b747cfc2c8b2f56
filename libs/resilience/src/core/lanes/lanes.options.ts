/**
 * One priority lane, as the user writes it in a policy's `lanes` option (highest lane first).
 * See docs/lanes.md and {@link LanePlan} for what caps and reserves guarantee.
 * @publicApi
 */
export interface LaneOptions {
  /** Lane name, as calls give it (`ExecuteOptions.lane`, the `lane` option). Unique per policy. */
  name: string;
  /** Largest share of each limit this lane may take, in (0, 1]. Default 1 (no cap). */
  maxShare?: number;
  /**
   * Share of each limit kept for this lane and the lanes above it: lanes below may not use it.
   * In [0, 1); the reserves of all lanes sum to less than 1. Default 0.
   */
  reserve?: number;
}

/** The lane of a call derived from the method's arguments (like `partitionKey`). @publicApi */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LaneFn = (...args: any[]) => string;

/**
 * The lane options a policy (rate limiter, bulkhead, executor) accepts.
 * @publicApi
 */
export interface PolicyLaneOptions {
  /** Priority lanes, highest first (at most `MAX_LANES`). Absent: one lane, no caps, no reserves. */
  lanes?: LaneOptions[];
  /** Lane of calls that name none. Default: the first lane. Requires `lanes`. */
  defaultLane?: string;
  /**
   * A waiter that has waited this long (ms) is ordered as if it were in the highest lane (caps and
   * reserves still apply). Default `Infinity` (strict priority). Requires `lanes`.
   */
  laneAgingMs?: number;
  /**
   * Lane of a call: a lane name, or a function of the method's arguments returning one.
   * `ExecuteOptions.lane` overrides it. Default: `defaultLane`. Requires `lanes`.
   */
  lane?: string | LaneFn;
}
