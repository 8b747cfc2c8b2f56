import type { Clock } from '../clock.js';
import type { LaneWaiter } from './lane-order.js';
import { QueueTimer } from './queue-timer.js';
import type { Waiter } from './wait-queue.js';

/** One lane's FIFO: an array consumed from `head` (no shifting), like {@link WaitQueue}. */
export interface Fifo<W> {
  items: W[];
  head: number;
  tokens: number;
}

/**
 * What {@link LaneWaitQueue} keeps: one FIFO per lane and the counts over all lanes, the lane
 * heads read and taken one lane at a time, aborts and {@link compact}. The order of admission
 * across lanes is the subclass's.
 * @internal
 */
export abstract class LaneFifos<W extends LaneWaiter> extends QueueTimer {
  protected fifos: Fifo<W>[] = [];
  protected count = 0;
  protected queued = 0;
  protected agingMs = Infinity;

  /**
   * @param clock schedules the timer and tells the age of waiters
   * @param onTimer runs when the timer fires (the timer is no longer armed by then)
   * @param onHeadAbort runs when a lane head was aborted and others still wait
   */
  protected constructor(
    clock: Clock,
    onTimer: () => void,
    private readonly onHeadAbort?: () => void,
  ) {
    super(clock, onTimer);
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

  protected setLanes(n: number, agingMs: number): void {
    this.fifos = Array.from({ length: Math.max(1, n) }, () => ({ items: [], head: 0, tokens: 0 }));
    this.agingMs = agingMs;
    this.count = 0;
    this.queued = 0;
  }

  protected taken(f: Fifo<W>, w: W): void {
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

/** Marks `w` as out of the queue and removes its abort listener. @internal */
export function settle(w: Waiter): void {
  w.done = true;
  if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
}
