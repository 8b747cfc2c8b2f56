import { ResilienceConfigError } from '../errors/index.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { LaneWaitQueue, LaneWaiter } from './lane-wait-queue.js';
import type { StateOwner } from './store.js';
import { tokensError } from './token-admission.js';

/** Float slack when comparing token levels. */
const EPS = 1e-9;

/**
 * The per-lane limits of one token bucket (see {@link LanePlan}): each lane's floor in tokens
 * (`floorShare × burst`) and, for a lane with `maxShare < 1`, its cap sub-bucket (`rate ×
 * maxShare`, `burst × maxShare`), refilled with the main level. A lane without a cap has an
 * infinite cap level. @internal
 */
export class BucketLanes {
  /** Tokens a lane must leave in the main level. */
  readonly floors: Float64Array;
  /** Each lane's `maxShare` (1: no cap). */
  readonly shares: Float64Array;
  /** Cap sub-bucket levels (`Infinity` for a lane without a cap); may go negative (debt). */
  readonly caps: Float64Array;
  /** Largest tokens one caller of a lane may ask for. */
  readonly max: Float64Array;

  constructor(
    readonly plan: LanePlan,
    private rate: number,
    private periodMs: number,
    private burst: number,
    previous?: BucketLanes,
  ) {
    const n = plan.lanes.length;
    this.floors = new Float64Array(n);
    this.shares = new Float64Array(n);
    this.caps = new Float64Array(n);
    this.max = new Float64Array(n);
    for (let l = 0; l < n; l++) {
      const lane = plan.lanes[l]!;
      this.floors[l] = lane.floorShare * burst;
      this.shares[l] = lane.maxShare;
      const capBurst = lane.maxShare < 1 ? lane.maxShare * burst : Infinity;
      // A lane kept across a plan change keeps its level (clamped), a new one starts full.
      const before = previous?.levelOf(lane.name);
      this.caps[l] = before === undefined ? capBurst : Math.min(before, capBurst);
      this.max[l] = Math.min(burst - this.floors[l]!, capBurst);
    }
  }

  /** The cap level of the lane named `name`, if it has a cap. */
  levelOf(name: string): number | undefined {
    const l = this.plan.index.get(name);
    return l === undefined || this.shares[l]! >= 1 ? undefined : this.caps[l];
  }

  /** Refills every cap for `elapsed` ms (capped at its burst). */
  refill(elapsed: number): void {
    for (let l = 0; l < this.caps.length; l++) {
      const share = this.shares[l]!;
      if (share >= 1) continue;
      const level = this.caps[l]! + (elapsed * this.rate * share) / this.periodMs;
      const top = this.burst * share;
      this.caps[l] = level > top ? top : level;
    }
  }

  /** True when lane `l`'s cap covers `tokens`. */
  capFits(l: number, tokens: number): boolean {
    return this.caps[l]! >= tokens - EPS;
  }

  /** Milliseconds until lane `l`'s cap covers `tokens` (0: it does). */
  capWait(l: number, tokens: number): number {
    const deficit = tokens - this.caps[l]!;
    return deficit > EPS ? (deficit * this.periodMs) / (this.rate * this.shares[l]!) : 0;
  }

  /** Takes `tokens` from lane `l`'s cap (below zero for a settled excess). */
  take(l: number, tokens: number): void {
    if (l >= 0 && this.shares[l]! < 1) this.caps[l]! -= tokens;
  }

  /** Gives `tokens` back to lane `l`'s cap, capped at its burst. */
  give(l: number, tokens: number): void {
    const share = l >= 0 ? this.shares[l]! : 1;
    if (share < 1) this.caps[l] = Math.min(this.burst * share, this.caps[l]! + tokens);
  }

  /** The lane a refund or settlement of `lane` applies to: the default lane when `undefined`, -1 when not a lane. */
  laneOf(lane: number | undefined): number {
    const l = lane ?? this.plan.defaultLane;
    return l >= 0 && l < this.caps.length ? l : -1;
  }

  /** The tokens-error limit name for lane `l`. */
  limitName(l: number): string {
    return `lane '${this.plan.lanes[l]!.name}''s share of burst`;
  }
}

/**
 * The lane index of a call: `lane` (a lane index of `plan`) or the plan's default lane; throws
 * `ResilienceConfigError` (naming `limiters.<policy>.lane`) for an index the plan does not have.
 * @internal
 */
export function laneOf(owner: StateOwner, plan: LanePlan, lane: number | undefined): number {
  if (lane === undefined) return plan.defaultLane;
  if (Number.isInteger(lane) && lane >= 0 && lane < plan.lanes.length) return lane;
  throw new ResilienceConfigError(
    `limiters.${owner.policy}.lane`,
    lane,
    `a lane index in [0, ${plan.lanes.length}) (${plan.lanes.map((l) => l.name).join(', ')})`,
  );
}

/**
 * How a waiter's lane maps from plan `from` to plan `to`: by name; no plan is one unnamed lane
 * (mapped to and from the default lane). `undefined`: the lane is gone. @internal
 */
export function remapLane(from: LanePlan | undefined, to: LanePlan | undefined, lane: number): number | undefined {
  if (to === undefined) return 0;
  if (from === undefined) return to.defaultLane;
  const name = from.lanes[lane]?.name;
  return name === undefined ? undefined : to.index.get(name);
}

/**
 * Moves the waiters of `q` from the lanes of plan `from` to those of plan `to` (by name, see
 * {@link remapLane}); fails those whose lane is gone with `ResilienceConfigError` naming
 * `limiters.<policy>.lanes` and the lane. The caller compacts the queue after.
 * @internal
 */
export function replanWaiters(
  owner: StateOwner,
  q: LaneWaitQueue<LaneWaiter>,
  from: LanePlan | undefined,
  to: LanePlan | undefined,
): void {
  const names = new Map(from?.lanes.map((l, i) => [i, l.name]));
  for (const w of q.replan(to, (lane) => remapLane(from, to, lane))) {
    const kept = to?.lanes.map((l) => l.name).join(', ') ?? 'none';
    w.reject(new ResilienceConfigError(`limiters.${owner.policy}.lanes`, names.get(w.lane), `a kept lane (${kept})`));
  }
}

/**
 * Fails every waiter asking for more tokens than its lane can ever take (after the limits
 * changed) with the tokens error. The caller compacts the queue after.
 * @internal
 */
export function failOversizedLanes(
  owner: StateOwner,
  q: LaneWaitQueue<LaneWaiter>,
  lanes: { readonly max: Float64Array; limitName(l: number): string },
): void {
  for (const w of q.drop((w) => w.tokens > lanes.max[w.lane]!)) {
    w.reject(tokensError(owner, w.tokens, lanes.max[w.lane]!, lanes.limitName(w.lane)));
  }
}
