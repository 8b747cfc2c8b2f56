import type { Clock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { LaneFifos, settle } from './lane-fifos.js';
import { laneBefore, mergeLanes, type LaneWaiter } from './lane-order.js';

export type { LaneWaiter } from './lane-order.js';

/**
 * The waiters of one limit, in lanes, and the limit's one timer (see {@link LanePlan}).
 *
 * - One FIFO per lane (an array read from a head index: O(1) per push and shift). The order
 *   of admission ({@link peek}, {@link front}, {@link order}): a lane head that has waited at
 *   least `plan.agingMs` is "aged" and goes first (among aged heads, the one that queued first;
 *   ties: the higher lane); then the other lane heads, highest lane first. FIFO within a lane,
 *   so only lane heads compete: O(lanes) per operation.
 * - Caps and floors are the limit's business: it reads the heads in order ({@link order},
 *   {@link peekLane}) and takes out the one it admits ({@link shiftLane}), so a head held only
 *   by its own cap does not hold back the lanes after it.
 * - Without a plan there is one lane and it behaves as {@link WaitQueue} (no clock reads).
 * - Aborts, settling, the one timer and {@link compact} as in {@link WaitQueue}; `onHeadAbort`
 *   runs when an aborted waiter was the head of its lane and others still wait.
 * @internal
 */
export class LaneWaitQueue<W extends LaneWaiter> extends LaneFifos<W> {
  /** Reused by {@link order}. */
  private readonly orderBuf: number[] = [];

  /**
   * @param clock schedules the timer and tells the age of waiters
   * @param plan the lanes (`undefined`: one lane, no aging)
   * @param onTimer runs when the timer fires (the timer is no longer armed by then)
   * @param onHeadAbort runs when a lane head was aborted and others still wait
   */
  constructor(clock: Clock, plan: LanePlan | undefined, onTimer: () => void, onHeadAbort?: () => void) {
    super(clock, onTimer, onHeadAbort);
    this.setLanes(plan === undefined ? 1 : plan.lanes.length, plan?.agingMs ?? Infinity);
  }

  /**
   * The lanes that have waiters, in admission order (see the class comment), as of `now`.
   * The array is reused by the next call: read it before calling again.
   */
  order(now = this.agingMs === Infinity ? 0 : this.clock.now()): readonly number[] {
    const out = this.orderBuf;
    out.length = 0;
    for (let lane = 0; lane < this.fifos.length; lane++) {
      const w = this.peekLane(lane);
      if (w === undefined) continue;
      let i = out.length;
      // Insertion sort: at most 8 lanes.
      while (i > 0 && this.before(w, this.peekLane(out[i - 1]!)!, now)) {
        out[i] = out[i - 1]!;
        i--;
      }
      out[i] = lane;
    }
    return out;
  }

  /** True when waiter `a` is admitted before waiter `b` (both heads, or `a` a would-be newcomer) as of `now`. */
  before(a: LaneWaiter, b: LaneWaiter, now: number): boolean {
    return laneBefore(a, b, now, this.agingMs);
  }

  /** The waiter admitted next by priority (aging included), if any. */
  peek(now?: number): W | undefined {
    if (this.fifos.length === 1) return this.peekLane(0);
    const order = this.order(now);
    return order.length === 0 ? undefined : this.peekLane(order[0]!);
  }

  /** Up to `max` waiters in admission order as of now (the queue is unchanged). */
  front(max: number, now?: number): W[] {
    if (this.fifos.length === 1) {
      const f = this.fifos[0]!;
      return f.items.slice(f.head, f.head + max);
    }
    return mergeLanes(this.fifos, max, now ?? this.clock.now(), this.agingMs);
  }

  /** Takes the waiter admitted next out of the queue, settled. Call {@link compact} after. */
  shift(now?: number): W | undefined {
    if (this.fifos.length === 1) return this.shiftLane(0);
    const order = this.order(now);
    return order.length === 0 ? undefined : this.shiftLane(order[0]!);
  }

  /** Takes every waiter for which `test` holds out of the queue, settled, lane by lane (FIFO). Call {@link compact} after. */
  drop(test: (w: W) => boolean): W[] {
    const dropped: W[] = [];
    for (const f of this.fifos) {
      for (let i = f.head; i < f.items.length;) {
        const w = f.items[i]!;
        if (!test(w)) {
          i++;
          continue;
        }
        f.items.splice(i, 1);
        this.taken(f, w);
        settle(w);
        dropped.push(w);
      }
    }
    return dropped;
  }

  /** Empties the queue and clears the timer; returns the waiters that were in it, settled, lane by lane. */
  takeAll(): W[] {
    const taken: W[] = [];
    for (const f of this.fifos) {
      for (let i = f.head; i < f.items.length; i++) {
        const w = f.items[i]!;
        if (w.done) continue;
        settle(w);
        taken.push(w);
      }
      f.items = [];
      f.head = 0;
      f.tokens = 0;
    }
    this.count = 0;
    this.queued = 0;
    this.disarm();
    return taken;
  }

  /**
   * Puts the waiters in the lanes of a new plan: `remap(lane)` gives a waiter's new lane, or
   * `undefined` when its lane is gone (those are taken out, settled, and returned for the caller
   * to fail). Lanes merged into one keep the order in which their waiters queued.
   */
  replan(plan: LanePlan | undefined, remap: (lane: number) => number | undefined): W[] {
    const all = this.fifos.flatMap((f) => f.items.slice(f.head));
    this.setLanes(plan === undefined ? 1 : plan.lanes.length, plan?.agingMs ?? Infinity);
    const gone: W[] = [];
    all.sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    for (const w of all) {
      const lane = remap(w.lane);
      if (lane === undefined || lane >= this.fifos.length) {
        settle(w);
        gone.push(w);
        continue;
      }
      (w as { lane: number }).lane = lane;
      const f = this.fifos[lane]!;
      f.items.push(w);
      f.tokens += w.tokens;
      this.count++;
      this.queued += w.tokens;
    }
    return gone;
  }

  /** Milliseconds until the next lane head that is not aged yet becomes aged (`Infinity`: none will). */
  untilAging(at?: number): number {
    if (this.agingMs === Infinity || this.fifos.length === 1) return Infinity;
    const now = at ?? this.clock.now();
    let next = Infinity;
    for (let lane = 1; lane < this.fifos.length; lane++) {
      const w = this.peekLane(lane);
      if (w === undefined) continue;
      const left = w.enqueuedAt + this.agingMs - now;
      if (left > 0 && left < next) next = left;
    }
    return next;
  }

  /**
   * Arms the timer for the wait of the waiter admitted next, `waitFor(w.tokens, w.lane)` ms, or
   * until the next aging, whichever comes first; nothing when nobody waits.
   */
  armForHead(waitFor: (tokens: number, lane: number) => number): void {
    const w = this.peek();
    if (w !== undefined) this.armFor(Math.min(waitFor(w.tokens, w.lane), this.untilAging()));
  }

  /** Drops the pending timer and runs `onTimer` at once if anyone waits (their wait may have changed). */
  retry(): void {
    this.disarm();
    if (this.count > 0) this.onTimer();
  }
}
