import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../../core/errors/index.js';
import type { LanePlan } from '../../core/lanes/lane-plan.js';
import type { LaneWaitQueue, LaneWaiter } from '../../core/store/lane-wait-queue.js';
import type { BucketSpec, StateOwner } from '../../core/store/store.js';
import type { LocalWaiter } from '../redis-queue.js';
import type { StoreLink } from '../store-link.js';
import { BUCKET_LANE_SCRIPT } from './bucket-lane-script.js';

/** A caller waiting in a `RedisBucket`'s queue. @internal */
export interface RedisLaneWaiter extends LocalWaiter, LaneWaiter {}

/** Longest lease margin (ms): a lease outlives its waiter's next ask by at most this. */
export const MAX_LEASE_MARGIN_MS = 1000;

/**
 * The lanes of a `RedisBucket` as `BUCKET_LANE_SCRIPT` takes them: per lane its floor (`floorShare
 * × burst` tokens) and cap (`maxShare × burst` tokens, 0 for no cap), and the lease margin: two
 * token intervals (`2 × ceil(period / rate)` ms), between 1 and {@link MAX_LEASE_MARGIN_MS}.
 * @internal
 */
export class BucketLanes {
  /** `[L, leaseMargin, floor_0, cap_0, …]`, sent with every lane script call. */
  private head: number[] = [];
  private floors: number[] = [];
  private caps: number[] = [];

  constructor(
    readonly plan: LanePlan,
    spec: BucketSpec,
  ) {
    this.setSpec(spec);
  }

  setSpec(spec: BucketSpec): void {
    const margin = Math.min(MAX_LEASE_MARGIN_MS, Math.max(1, 2 * Math.ceil(spec.periodMs / spec.rate)));
    this.floors = this.plan.lanes.map((l) => l.floorShare * spec.burst);
    this.caps = this.plan.lanes.map((l) => (l.maxShare < 1 ? l.maxShare * spec.burst : 0));
    this.head = [this.plan.lanes.length, margin];
    for (let r = 0; r < this.floors.length; r++) this.head.push(this.floors[r]!, this.caps[r]!);
  }

  /** Tokens of the level lane `lane` may not take. */
  floorOf(lane: number): number {
    return this.floors[lane]!;
  }

  /** Runs the lane script for `batch` (in admission order): rank 0 for an aged waiter. */
  run(
    link: StoreLink,
    key: string,
    policy: string,
    spec: BucketSpec,
    drain: boolean,
    batch: readonly RedisLaneWaiter[],
    now: number,
  ): Promise<unknown> {
    const out = [spec.rate, spec.periodMs, spec.burst, 0, drain ? 1 : 0, ...this.head, batch.length];
    const aging = this.plan.agingMs;
    for (const w of batch) out.push(w.tokens, w.lane, now - w.enqueuedAt >= aging ? 0 : w.lane);
    return link.run(BUCKET_LANE_SCRIPT, key, out, policy);
  }
}

/**
 * A waiter was just queued in `lane`. When it heads its lane it may pass while the others wait (on
 * their cap, or a lower lane on its floor), so it asks now rather than when their wait ends (one
 * call per new head): with no call in flight nor an ask scheduled the queue's timer is disarmed
 * (the caller asks at once); `true`: a call is in flight, ask again as soon as it is answered.
 * @internal
 */
export function newLaneHead(q: LaneWaitQueue<LaneWaiter>, lane: number, inFlight: boolean, askQueued = false): boolean {
  if (q.sizeOf(lane) !== 1) return false;
  if (inFlight) return true;
  if (q.armed && !askQueued) q.disarm();
  return false;
}

/** The lane index of a call (`lane` absent: the plan's default; no plan: 0). Throws for one out of range. */
export function laneOf(owner: StateOwner, plan: LanePlan | undefined, lane: number | undefined): number {
  if (plan === undefined) return 0;
  if (lane === undefined) return plan.defaultLane;
  if (Number.isInteger(lane) && lane >= 0 && lane < plan.lanes.length) return lane;
  throw new ResilienceConfigError(
    `limiters.${owner.policy}.lane`,
    lane,
    `a lane index in [0, ${plan.lanes.length - 1}]`,
  );
}

/**
 * A lane script call for `batch` answered: the waiters whose bit is set in `mask` are admitted
 * (each is the head of its lane then: admissions within a lane are a prefix of it; one aborted
 * meanwhile keeps its tokens counted: conservative). Waiter `stopAt` (1-based; 0: none), held by
 * the level, a floor or a lease, waits `stopWait` ms; the lanes of the waiters not admitted
 * before it were held by their cap and wait at least `capWait`. Heads whose deadline falls
 * before fail with `RateLimiterRejectedError`. O(batch + lanes + failed).
 * @returns -1 when nobody waits any more, 0 when the head must ask again at once, else the
 *   milliseconds after which it asks (the caller arms the timer)
 * @internal
 */
export function settleLaneReply(
  q: LaneWaitQueue<RedisLaneWaiter>,
  batch: readonly RedisLaneWaiter[],
  reply: LaneReply,
  agingMs: number,
  owner: StateOwner,
  clock: Clock,
): number {
  const { mask, stopWait, capWait, stopAt } = reply;
  let admitted = 0;
  let cappedLanes = 0; // bit per lane (at most 8)
  const end = stopAt > 0 ? stopAt - 1 : batch.length;
  for (let i = 0, bit = 1; i < batch.length; i++, bit *= 2) {
    const w = batch[i]!;
    if ((mask & bit) === 0) {
      if (i < end) cappedLanes |= 1 << w.lane;
      continue;
    }
    admitted++;
    if (w.done) continue; // aborted while in flight: its tokens stay counted
    if (q.peekLane(w.lane) === w) q.shiftLane(w.lane);
    else q.drop((x) => x === w);
    w.resolve();
  }
  const now = clock.now();
  const stopped = stopAt > 0 ? batch[stopAt - 1] : undefined;
  if (stopped !== undefined) {
    // The stopped waiter, and the lane heads that need at least as long: as many tokens or more,
    // in its lane or a lower one (floors grow down the lanes), not aged (their leases ⊇ its).
    for (let lane = stopped.lane; lane < q.lanes; lane++) {
      for (let w = q.peekLane(lane); w !== undefined && now + stopWait > w.deadline; w = q.peekLane(lane)) {
        if (w !== stopped && (w.tokens < stopped.tokens || now - w.enqueuedAt >= agingMs)) break;
        q.shiftLane(lane);
        w.reject(new RateLimiterRejectedError(owner.policy, stopWait, w.tokens, owner.partitionKey));
      }
    }
  }
  for (let lane = 0; cappedLanes !== 0; lane++, cappedLanes >>= 1) {
    if ((cappedLanes & 1) === 0) continue;
    for (let w = q.peekLane(lane); w !== undefined && now + capWait > w.deadline; w = q.peekLane(lane)) {
      q.shiftLane(lane);
      w.reject(new RateLimiterRejectedError(owner.policy, capWait, w.tokens, owner.partitionKey));
    }
  }
  q.compact();
  if (q.empty) return -1;
  if (admitted > 0 && stopAt === 0) return 0; // more may fit: ask again for the next ones
  const waits = [stopWait, capWait].filter((x) => x >= 0);
  return waits.length === 0 ? 0 : Math.max(1, Math.ceil(Math.min(...waits)));
}

/** `BUCKET_LANE_SCRIPT`'s reply, parsed. @internal */
export interface LaneReply {
  mask: number;
  stopWait: number;
  capWait: number;
  level: number;
  stopAt: number;
}

/** Parses `BUCKET_LANE_SCRIPT`'s reply. @internal */
export function laneReply(reply: unknown): LaneReply {
  const r = reply as [number, string, string, string, number];
  return {
    mask: Number(r[0]),
    stopWait: Number(r[1]),
    capWait: Number(r[2]),
    level: Number(r[3]),
    stopAt: Number(r[4]),
  };
}
