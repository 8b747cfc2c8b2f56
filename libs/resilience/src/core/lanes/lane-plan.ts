/**
 * Priority lanes, normalized (see docs/lanes.md). Produced once per policy by `normalizeLanes`
 * from the user's `lanes` option and read by every backend (memory, Redis) and the bulkhead.
 *
 * - Lanes are ranked by index: 0 is the highest. A call names its lane; calls that name none go
 *   to `defaultLane`.
 * - Ordering: when callers of several lanes wait on the same limit, the highest lane with a
 *   waiter is admitted first; FIFO within a lane. With `agingMs` finite, a waiter that has waited
 *   at least `agingMs` is ordered as if it were in lane 0 (among such waiters, the one that
 *   arrived first goes first); caps and floors still apply to it.
 * - Cap (`maxShare`): the lane's own admissions in any window are at most `maxShare` of each
 *   limit (a token bucket: a sub-bucket of `rate × maxShare`, `burst × maxShare`; a sliding
 *   window: `limit × maxShare`; a bulkhead: `max(1, floor(maxConcurrent × maxShare))` slots).
 * - Floor (`floorShare`): the share of each limit this lane may not use, kept for the lanes above
 *   it: the sum of `reserve` of every higher lane. A lane is admitted only when, after taking its
 *   tokens, at least `floorShare × capacity` stays (capacity: `burst`, the window's `limit`, or
 *   `maxConcurrent` slots, rounded up to whole slots).
 * - A lane waiting only on its own cap does not hold back lower lanes.
 * @publicApi
 */
export interface LaneSpec {
  /** Lane name, as the calls give it. */
  readonly name: string;
  /** Largest share of each limit this lane may take, in (0, 1]. 1: no cap. */
  readonly maxShare: number;
  /** Share of each limit kept for the lanes above this one, in [0, 1). 0 for lane 0. */
  readonly floorShare: number;
}

/** All lanes of one policy, highest first. @publicApi */
export interface LanePlan {
  /** At least one lane; lane indexes are positions in this array (0 = highest). */
  readonly lanes: readonly LaneSpec[];
  /** Index of the lane of calls that name none. */
  readonly defaultLane: number;
  /** A waiter older than this is ordered as lane 0 (caps and floors still apply). `Infinity`: strict priority. */
  readonly agingMs: number;
  /** Lane index by name. */
  readonly index: ReadonlyMap<string, number>;
}

/** Most lanes one policy may have. @publicApi */
export const MAX_LANES = 8;
