import type { LanePlan } from '../../core/lanes/lane-plan.js';
import { MAX_LEASE_MARGIN_MS } from '../bucket/bucket-lanes.js';
import type { WindowLimits } from './redis-sliding-window.types.js';

/** Shortest lease margin (ms) of a sliding window: a timer's lateness plus a round trip. */
const MIN_LEASE_MARGIN_MS = 50;

/**
 * The lanes of a `RedisSlidingWindow` as `SLIDING_WINDOW_LANE_SCRIPT` takes them: per lane its
 * floor (`floorShare × limit` tokens) and cap (`maxShare × limit`, 0 for no cap), and the lease
 * margin: two token intervals (`2 × ceil(windowMs / limit)` ms), between 50 and
 * `MAX_LEASE_MARGIN_MS` ms. Recomputed when the window's limits change (`setSpec`).
 * @internal
 */
export class WindowLaneArgs {
  /** `[L, leaseMargin, floor_0, cap_0, …]` for the limits below. */
  private args: number[] = [];
  private limit = NaN;
  private windowMs = NaN;

  constructor(
    readonly plan: LanePlan,
    private readonly limits: WindowLimits,
  ) {}

  /** The lane arguments of a script call (recomputed only when the limits changed). */
  head(): readonly number[] {
    const { limit, windowMs } = this.limits;
    if (limit === this.limit && windowMs === this.windowMs) return this.args;
    this.limit = limit;
    this.windowMs = windowMs;
    const margin = Math.min(MAX_LEASE_MARGIN_MS, Math.max(MIN_LEASE_MARGIN_MS, 2 * Math.ceil(windowMs / limit)));
    this.args = [this.plan.lanes.length, margin];
    for (const l of this.plan.lanes) this.args.push(l.floorShare * limit, l.maxShare < 1 ? l.maxShare * limit : 0);
    return this.args;
  }

  /** Most tokens one caller of lane `lane` may ask for: the limit less its floor, and its cap. */
  maxTokens(lane: number): number {
    const l = this.plan.lanes[lane]!;
    const limit = this.limits.limit;
    return Math.min(limit - l.floorShare * limit, l.maxShare * limit);
  }

  /** {@link maxTokens} of every lane, for `failOversizedLanes` (after the limit changed). */
  bounds(): { max: Float64Array; limitName(lane: number): string } {
    const max = Float64Array.from(this.plan.lanes, (_, l) => this.maxTokens(l));
    return { max, limitName: (l) => this.limitName(l) };
  }

  /** How `tokens` errors name that bound. */
  limitName(lane: number): string {
    return `lane '${this.plan.lanes[lane]!.name}''s share of the window's limit`;
  }
}
