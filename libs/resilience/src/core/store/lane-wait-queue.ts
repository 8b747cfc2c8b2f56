import type { Clock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { laneBefore, mergeLanes, type LaneWaiter } from './lane-order.js';
import { QueueTimer } from './queue-timer.js';
import type { Waiter } from './wait-queue.js';

export type { LaneWaiter } from './lane-order.js';

/** One lane's FIFO: an array consumed from `head` (no shifting), like {@link WaitQueue}. */
interface Fifo<W> {
  items: W[];
  head: number;
  tokens: number;
}

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
export class LaneWaitQueue<W extends LaneWaiter> extends QueueTimer {
  private fifos: Fifo<W>[] = [];
  private count = 0;
  private queued = 0;
  private agingMs = Infinity;
  /** Reused by {@link order}. */
  private readonly orderBuf: number[] = [];

  /**
   * @param clock schedules the timer and tells the age of waiters
   * @param plan the lanes (`undefined`: one lane, no aging)
   * @param onTimer runs when the timer fires (the timer is no longer armed by then)
   * @param onHeadAbort runs when a lane head was aborted and others still wait
   */
  constructor(
    clock: Clock,
    plan: LanePlan | undefined,
    onTimer: () => void,
    private readonly onHeadAbort?: () => void,
  ) {
    super(clock, onTimer);
    this.setLanes(plan === undefined ? 1 : plan.lanes.length, plan?.agingMs ?? Infinity);
  }

  /** True while nobody waits (one field read). */
  get empty(): boolean {
    return this.count === 0;
  }

  /** How many callers wait, in all lanes. */
  get size(): number {
    return this.count;
  }

  /** Tokens asked for by the callers that wait, in all lanes. */
  get tokens(): number {
    return this.queued;
  }

  /** Number of lanes. */
  get lanes(): number {
    return this.fifos.length;
  }

  /** How many callers wait in `lane`. */
  sizeOf(lane: number): number {
    const f = this.fifos[lane];
    return f === undefined ? 0 : f.items.length - f.head;
  }

  /** Tokens asked for by the callers that wait in `lane`. */
  tokensOf(lane: number): number {
    return this.fifos[lane]?.tokens ?? 0;
  }

  /** When the oldest waiter of `lane` queued (clock ms), `undefined` when none waits there. */
  oldestAt(lane: number): number | undefined {
    return this.peekLane(lane)?.enqueuedAt;
  }

  /** The head of `lane`, if any. */
  peekLane(lane: number): W | undefined {
    const f = this.fifos[lane];
    return f !== undefined && f.head < f.items.length ? f.items[f.head] : undefined;
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

  /** Queues `w` at the tail of its lane (`w.lane` must be a lane of the plan) and listens for the abort of its signal. */
  push(w: W): void {
    if (w.signal !== undefined) {
      w.onAbort = () => this.abort(w);
      w.signal.addEventListener('abort', w.onAbort, { once: true });
    }
    const f = this.fifos[w.lane]!;
    f.items.push(w);
    f.tokens += w.tokens;
    this.count++;
    this.queued += w.tokens;
  }

  /** Takes the waiter admitted next out of the queue, settled. Call {@link compact} after. */
  shift(now?: number): W | undefined {
    if (this.fifos.length === 1) return this.shiftLane(0);
    const order = this.order(now);
    return order.length === 0 ? undefined : this.shiftLane(order[0]!);
  }

  /** Takes the head of `lane` out of the queue, settled. Call {@link compact} after. */
  shiftLane(lane: number): W | undefined {
    const f = this.fifos[lane];
    if (f === undefined || f.head === f.items.length) return undefined;
    const w = f.items[f.head]!;
    f.items[f.head++] = undefined as unknown as W;
    this.taken(f, w);
    settle(w);
    return w;
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

  /** Resets emptied lanes (and clears the timer once nobody waits); drops the used-up head of a long lane. */
  compact(): void {
    for (const f of this.fifos) {
      if (f.head === f.items.length) {
        if (f.head > 0) {
          f.items = [];
          f.head = 0;
        }
        f.tokens = 0;
      } else if (f.head > 1024 && f.head * 2 > f.items.length) {
        f.items = f.items.slice(f.head);
        f.head = 0;
      }
    }
    if (this.count === 0) {
      this.queued = 0;
      this.disarm();
    }
  }

  private setLanes(n: number, agingMs: number): void {
    this.fifos = Array.from({ length: Math.max(1, n) }, () => ({ items: [], head: 0, tokens: 0 }));
    this.agingMs = agingMs;
    this.count = 0;
    this.queued = 0;
  }

  private taken(f: Fifo<W>, w: W): void {
    f.tokens -= w.tokens;
    this.count--;
    this.queued -= w.tokens;
  }

  private abort(w: W): void {
    if (w.done) return;
    w.done = true;
    const f = this.fifos[w.lane];
    const i = f === undefined ? -1 : f.items.indexOf(w, f.head);
    if (f !== undefined && i >= 0) {
      const wasHead = i === f.head;
      f.items.splice(i, 1);
      this.taken(f, w);
      this.compact();
      if (wasHead && this.count > 0) this.onHeadAbort?.();
    }
    w.reject(w.signal!.reason);
  }
}

function settle(w: Waiter): void {
  w.done = true;
  if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
}
