import type { LaneWaitQueue, LaneWaiter } from './lane-wait-queue.js';

/**
 * The per-lane limits of one limit, in the terms of a token bucket: `floors[l]` is what lane
 * `l` must leave of the "level" (a window's level: `limit − counted`), and its cap, if any, must
 * cover its tokens. `BucketLanes` and `WindowLanes` implement it.
 * @internal
 */
export interface LaneLimits {
  readonly floors: Float64Array;
  /** Each lane's `maxShare` (1: no cap). */
  readonly shares: Float64Array;
  /** True when lane `l`'s cap covers `tokens` now. */
  capFits(l: number, tokens: number): boolean;
  /** Milliseconds from `now` until lane `l`'s cap covers `tokens` (0: it does). */
  capWait(l: number, tokens: number, now: number): number;
}

/** Float slack when comparing token levels. */
const EPS = 1e-9;

/** Milliseconds until the bucket's level reaches `needed` (counting a pause), with no admission in between. */
type WaitFor = (needed: number) => number;

/** A would-be waiter, to order a new caller against the queue (one per process: used synchronously). */
const probe = { lane: 0, enqueuedAt: 0 } as { lane: number; enqueuedAt: number } & LaneWaiter;

/**
 * The lane whose head a limit at `level` admits next, or -1 (see {@link MemoryBucket}):
 * heads in admission order; a head its cap does not cover is passed over; a head the level
 * (or its floor) does not cover holds back the heads after it whose floor is as high or higher.
 * @internal
 */
export function nextLane(lanes: LaneLimits, q: LaneWaitQueue<LaneWaiter>, level: number, now: number): number {
  let blockFloor = Infinity;
  for (const lane of q.order(now)) {
    const w = q.peekLane(lane)!;
    if (!lanes.capFits(lane, w.tokens)) continue;
    const floor = lanes.floors[lane]!;
    if (floor >= blockFloor) continue;
    if (level - w.tokens >= floor - EPS) return lane;
    blockFloor = floor;
  }
  return -1;
}

/**
 * True when a new caller of lane `l` may take `tokens` at once from a bucket at `level`:
 * nobody of its lane waits, its floor and cap allow it, and no waiter ahead of it fits now
 * (its timer is due: it goes first) or holds it back.
 * @internal
 */
export function passesNow(
  lanes: LaneLimits,
  q: LaneWaitQueue<LaneWaiter>,
  level: number,
  l: number,
  tokens: number,
  now: number,
): boolean {
  if (q.sizeOf(l) > 0 || !lanes.capFits(l, tokens) || level - tokens < lanes.floors[l]! - EPS) return false;
  if (q.empty) return true;
  probe.lane = l;
  probe.enqueuedAt = now;
  let blockFloor = Infinity;
  for (const lane of q.order(now)) {
    const h = q.peekLane(lane)!;
    if (!q.before(h, probe, now)) break;
    if (!lanes.capFits(lane, h.tokens)) continue;
    if (level - h.tokens >= lanes.floors[lane]! - EPS) return false;
    if (lanes.floors[lane]! < blockFloor) blockFloor = lanes.floors[lane]!;
  }
  return lanes.floors[l]! < blockFloor;
}

/**
 * A lower bound of the wait of a new caller of lane `l` for `tokens`: its lane's queue and the
 * queues of the higher lanes without a cap go first, then it needs its floor on top; its cap
 * must cover its lane's queue and itself. Refunds and aborts can only make it shorter.
 * @internal
 */
export function laneWaitBound(
  lanes: LaneLimits,
  q: LaneWaitQueue<LaneWaiter>,
  l: number,
  tokens: number,
  now: number,
  waitFor: WaitFor,
): number {
  let ahead = q.tokensOf(l);
  for (let h = 0; h < l; h++) if (lanes.shares[h]! >= 1) ahead += q.tokensOf(h);
  return Math.max(waitFor(ahead + tokens + lanes.floors[l]!), lanes.capWait(l, q.tokensOf(l) + tokens, now));
}

/**
 * Milliseconds until some lane head may be admitted (or the order changes by aging): the
 * soonest wait of the heads not held back by a head ahead of them. Never late, maybe early.
 * @internal
 */
export function nextLaneWait(lanes: LaneLimits, q: LaneWaitQueue<LaneWaiter>, now: number, waitFor: WaitFor): number {
  let next = q.untilAging(now);
  let blockFloor = Infinity;
  for (const lane of q.order(now)) {
    const w = q.peekLane(lane)!;
    const floor = lanes.floors[lane]!;
    const main = waitFor(w.tokens + floor);
    const cap = lanes.capWait(lane, w.tokens, now);
    if (cap > 0) next = Math.min(next, Math.max(cap, main));
    else if (floor < blockFloor) {
      next = Math.min(next, main);
      blockFloor = floor;
    }
  }
  return next;
}
