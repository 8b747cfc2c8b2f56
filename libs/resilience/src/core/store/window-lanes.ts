import type { LanePlan } from '../lanes/lane-plan.js';
import type { LaneLimits } from './bucket-lane-schedule.js';
import { WINDOW_EPS, type AdmissionLog } from './sliding-window-log.js';

/**
 * The per-lane limits of one sliding window (see {@link LanePlan}), as {@link LaneLimits}: a
 * lane's floor is `floorShare × limit` of the window's level (`limit − counted`), its cap
 * `maxShare × limit` of its own tokens counted in the window (`log.laneSum`). @internal
 */
export class WindowLanes implements LaneLimits {
  readonly floors: Float64Array;
  readonly shares: Float64Array;
  /** Each lane's cap in tokens (`Infinity`: none). */
  readonly caps: Float64Array;
  /** Largest tokens one caller of a lane may ask for. */
  readonly max: Float64Array;

  constructor(
    readonly plan: LanePlan,
    limit: number,
    private readonly log: AdmissionLog,
    private readonly span: number,
  ) {
    const n = plan.lanes.length;
    this.floors = new Float64Array(n);
    this.shares = new Float64Array(n);
    this.caps = new Float64Array(n);
    this.max = new Float64Array(n);
    for (let l = 0; l < n; l++) {
      const lane = plan.lanes[l]!;
      this.floors[l] = lane.floorShare * limit;
      this.shares[l] = lane.maxShare;
      this.caps[l] = lane.maxShare < 1 ? lane.maxShare * limit : Infinity;
      this.max[l] = Math.min(limit - this.floors[l]!, this.caps[l]!);
    }
  }

  capFits(l: number, tokens: number): boolean {
    return this.log.laneSum(l) + tokens <= this.caps[l]! + WINDOW_EPS;
  }

  capWait(l: number, tokens: number, now: number): number {
    const over = this.log.laneSum(l) + tokens - this.caps[l]!;
    if (over <= WINDOW_EPS) return 0;
    // The lane's token at position `over` must leave the window (later lane admissions only add).
    return Math.max(1, this.log.timeOfLaneToken(l, over) + this.span - now);
  }

  /** The lane a refund or settlement of `lane` applies to: the default lane when `undefined`, -1 when not a lane. */
  laneOf(lane: number | undefined): number {
    const l = lane ?? this.plan.defaultLane;
    return l >= 0 && l < this.caps.length ? l : -1;
  }

  /** The tokens-error limit name for lane `l`. */
  limitName(l: number): string {
    return `lane '${this.plan.lanes[l]!.name}''s share of the window's limit`;
  }
}
