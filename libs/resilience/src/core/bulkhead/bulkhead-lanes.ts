import type { Clock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { QueuedCaller, WaiterList, type BulkheadWaiter } from './waiter-list.js';

/** Lane shares are products of decimals (0.3 × 10 = 3.0000000000000004): round within this. */
const EPSILON = 1e-9;

/**
 * The slots and the waiters of a bulkhead with priority lanes (semantics: `LanePlan`).
 *
 * - Lane `l` may take a slot while `inFlight < limit[l]` (`maxConcurrent` minus the slots kept
 *   for the lanes above, `ceil(floorShare × maxConcurrent)`) and `inFlightBy[l] < cap[l]`
 *   (`max(1, floor(maxConcurrent × maxShare))`). Whether a caller may take a slot depends on its
 *   lane only, so after every release the admissible waiters are admitted at once: a lane with
 *   waiters is never admissible, and a new caller that is admissible takes its slot without
 *   passing anyone (no barging).
 * - A freed slot goes to the best admissible lane head: a head that waited `agingMs` counts as
 *   lane 0 (the earliest of those first), else the highest lane. Lanes blocked by their own cap
 *   are skipped, so they never hold back lower lanes. O(lanes) per admission.
 * - One list per lane (enqueue, admission, abort O(1)); one timer for every deadline: since
 *   `maxWaitMs` is the same for all, the earliest deadline is the earliest lane head's (O(lanes)).
 *   It is armed when the first waiter arrives, re-armed when it fires, cleared when nobody waits.
 * @internal
 */
export class LaneBulkhead {
  inFlight = 0;
  /** Callers waiting, all lanes. */
  size = 0;
  readonly inFlightBy: number[];
  readonly sizeBy: number[];
  private readonly lists: WaiterList[];
  private readonly caps: number[];
  private readonly limits: number[];
  private readonly agingMs: number;
  private timer: unknown = undefined;

  private readonly fire = () => {
    this.timer = undefined;
    this.expire();
  };

  constructor(
    private readonly clock: Clock,
    plan: LanePlan,
    maxConcurrent: number,
    private readonly maxWaitMs: number,
    /** The error a waiter of `lane` past its deadline is rejected with. */
    private readonly expired: (lane: number) => unknown,
  ) {
    const n = plan.lanes.length;
    this.inFlightBy = new Array<number>(n).fill(0);
    this.sizeBy = new Array<number>(n).fill(0);
    this.lists = Array.from({ length: n }, () => new WaiterList());
    this.caps = plan.lanes.map((l) => laneCap(maxConcurrent, l.maxShare));
    this.limits = plan.lanes.map((l) => laneLimit(maxConcurrent, l.floorShare));
    this.agingMs = plan.agingMs;
  }

  /** Takes a slot for `lane` when its cap and floor allow (nobody of the lane waits then). */
  tryTake(lane: number): boolean {
    if (this.inFlight >= this.limits[lane]! || this.inFlightBy[lane]! >= this.caps[lane]!) return false;
    this.inFlight++;
    this.inFlightBy[lane]!++;
    return true;
  }

  /** Queues a caller at the tail of its lane; its promise resolves once it holds a slot. */
  push(lane: number, signal: AbortSignal | undefined): BulkheadWaiter {
    const w = new QueuedCaller(this, lane, this.clock.now(), signal);
    this.lists[lane]!.append(w);
    this.sizeBy[lane]!++;
    // The first waiter arms the one timer (every later one has a later deadline).
    if (this.size++ === 0 && this.maxWaitMs !== Infinity) this.timer = this.clock.setTimeout(this.fire, this.maxWaitMs);
    return w;
  }

  /** Gives back a slot of `lane`, then admits every waiter that may now run. */
  release(lane: number): void {
    if (this.inFlightBy[lane]! <= 0) return;
    this.inFlight--;
    this.inFlightBy[lane]!--;
    if (this.size === 0) return;
    for (let w = this.best(); w !== undefined; w = this.best()) {
      this.unlink(w);
      this.inFlight++;
      this.inFlightBy[w.lane]!++;
      w.resolve();
    }
  }

  /** Removes `w` if still queued and rejects it with `reason`; false when it was not queued. */
  abort(w: QueuedCaller, reason: unknown): boolean {
    if (!this.lists[w.lane]!.has(w)) return false;
    this.unlink(w);
    w.reject(reason);
    return true;
  }

  /** How long the head of `lane` has waited (0 when nobody waits). */
  oldestWaitMs(lane: number, now: number): number {
    const h = this.lists[lane]!.head;
    return h === undefined ? 0 : Math.max(0, now - h.enqueuedAt);
  }

  /** The head admitted next among the lanes that may take a slot now, or undefined. O(lanes). */
  private best(): QueuedCaller | undefined {
    const aging = this.agingMs;
    const now = aging === Infinity ? 0 : this.clock.now();
    let first: QueuedCaller | undefined; // highest admissible lane's head
    let aged: QueuedCaller | undefined; // earliest head ranked as lane 0
    for (let l = 0; l < this.lists.length; l++) {
      const h = this.lists[l]!.head;
      if (h === undefined || this.inFlight >= this.limits[l]! || this.inFlightBy[l]! >= this.caps[l]!) continue;
      if (aging === Infinity) return h;
      first ??= h;
      if ((l === 0 || now - h.enqueuedAt >= aging) && (aged === undefined || h.enqueuedAt < aged.enqueuedAt)) aged = h;
    }
    return aged ?? first;
  }

  /** Refuses, in deadline order, every waiter past its deadline; re-arms for the next one. */
  private expire(): void {
    const now = this.clock.now();
    for (let h = this.earliest(); h !== undefined && h.enqueuedAt + this.maxWaitMs <= now; h = this.earliest()) {
      this.unlink(h);
      h.reject(this.expired(h.lane));
    }
    const next = this.earliest();
    // A timer may fire a little early on a real clock (ms rounding): the remainder is re-armed.
    if (next !== undefined && this.timer === undefined)
      this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(next.enqueuedAt + this.maxWaitMs - now)));
  }

  /** The lane head that arrived first (the earliest deadline). O(lanes). */
  private earliest(): QueuedCaller | undefined {
    let e: QueuedCaller | undefined;
    for (const { head: h } of this.lists)
      if (h !== undefined && (e === undefined || h.enqueuedAt < e.enqueuedAt)) e = h;
    return e;
  }

  /** Takes `w` out of its lane, removes its abort listener, and clears the timer once nobody waits. */
  private unlink(w: QueuedCaller): void {
    this.lists[w.lane]!.remove(w);
    this.sizeBy[w.lane]!--;
    if (--this.size === 0 && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

/** Slots a lane may hold: `max(1, floor(maxConcurrent × maxShare))`. @internal */
export function laneCap(maxConcurrent: number, maxShare: number): number {
  return Math.max(1, Math.floor(maxConcurrent * maxShare + EPSILON));
}

/** In-flight total below which a lane may take a slot: `maxConcurrent − ceil(floorShare × maxConcurrent)`. @internal */
export function laneLimit(maxConcurrent: number, floorShare: number): number {
  return maxConcurrent - Math.ceil(maxConcurrent * floorShare - EPSILON);
}
