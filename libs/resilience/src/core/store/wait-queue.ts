import type { Clock } from '../clock.js';

/**
 * One caller waiting for tokens. The bucket creates it (and may add fields of its own);
 * {@link WaitQueue} sets `onAbort` and `done`.
 * @internal
 */
export interface Waiter {
  readonly tokens: number;
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  /** The abort listener registered on `signal`, removed when the waiter leaves the queue. */
  onAbort: (() => void) | undefined;
  /** Set once the waiter has left the queue (admitted, failed or aborted). */
  done: boolean;
}

/**
 * The FIFO of a token bucket's waiters and the bucket's one timer.
 *
 * - FIFO: waiters are admitted from the head only ({@link shift}); the bucket decides when.
 *   An aborted waiter leaves at once from wherever it stands, is rejected with
 *   `signal.reason` and gives its tokens back (`onHeadAbort` runs when it was the head and
 *   others still wait). {@link drop} and {@link takeAll} take waiters out for the bucket to fail.
 * - A waiter that leaves is settled: `done` is set and its abort listener removed, so waiters
 *   never leak listeners on a long-lived signal.
 * - At most one timer ({@link arm}); {@link compact} clears it once nobody waits, and drops
 *   the consumed head of the array once more than 1024 entries are used up.
 * - {@link empty} reads two fields and allocates nothing: cheap enough for a fast path.
 * @internal
 */
export class WaitQueue<W extends Waiter> {
  private items: W[] = [];
  private head = 0;
  private queued = 0;
  private timer: unknown = undefined;
  private readonly fire = () => {
    this.timer = undefined;
    this.onTimer();
  };

  /**
   * @param clock schedules the timer
   * @param onTimer runs when the timer fires (the timer is no longer armed by then)
   * @param onHeadAbort runs when the head was aborted and others still wait (its wait may now be shorter)
   */
  constructor(
    private readonly clock: Clock,
    private readonly onTimer: () => void,
    private readonly onHeadAbort?: () => void,
  ) {}

  /** True while nobody waits. */
  get empty(): boolean {
    return this.head === this.items.length;
  }

  /** How many callers wait. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Tokens asked for by the callers that wait. */
  get tokens(): number {
    return this.queued;
  }

  /** True while a timer is pending. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** The waiter at the head, if any. */
  peek(): W | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Up to `max` waiters from the head, in order (the queue is unchanged). */
  front(max: number): W[] {
    return this.items.slice(this.head, this.head + max);
  }

  /** Queues `w` at the tail and listens for the abort of its signal. */
  push(w: W): void {
    if (w.signal !== undefined) {
      w.onAbort = () => this.abort(w);
      w.signal.addEventListener('abort', w.onAbort, { once: true });
    }
    this.items.push(w);
    this.queued += w.tokens;
  }

  /** Takes the head out of the queue, settled; the caller resolves or rejects it. Call {@link compact} after. */
  shift(): W | undefined {
    if (this.head === this.items.length) return undefined;
    const w = this.items[this.head]!;
    this.items[this.head++] = undefined as unknown as W;
    this.queued -= w.tokens;
    settle(w);
    return w;
  }

  /** Takes every waiter for which `test` holds out of the queue, settled, in order. Call {@link compact} after. */
  drop(test: (w: W) => boolean): W[] {
    const dropped: W[] = [];
    for (let i = this.head; i < this.items.length;) {
      const w = this.items[i]!;
      if (!test(w)) {
        i++;
        continue;
      }
      this.items.splice(i, 1);
      this.queued -= w.tokens;
      settle(w);
      dropped.push(w);
    }
    return dropped;
  }

  /** Empties the queue and clears the timer; returns the waiters that were in it, settled, in order. */
  takeAll(): W[] {
    const waiting = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.queued = 0;
    this.disarm();
    const taken: W[] = [];
    for (const w of waiting) {
      if (w.done) continue;
      settle(w);
      taken.push(w);
    }
    return taken;
  }

  /** Calls `onTimer` in `ms` (the caller makes sure no timer is pending). */
  arm(ms: number): void {
    this.timer = this.clock.setTimeout(this.fire, ms);
  }

  /** Calls `onTimer` in `ms` rounded up, at least 1 ms (the caller makes sure no timer is pending). */
  armFor(ms: number): void {
    this.arm(Math.max(1, Math.ceil(ms)));
  }

  /** Arms the timer for the head's wait, `waitFor(head.tokens)` ms; nothing when nobody waits. */
  armForHead(waitFor: (tokens: number) => number): void {
    const w = this.peek();
    if (w !== undefined) this.armFor(waitFor(w.tokens));
  }

  /** Drops the pending timer and runs `onTimer` at once if anyone waits (their wait may have changed). */
  retry(): void {
    this.disarm();
    if (this.head < this.items.length) this.onTimer();
  }

  /** Clears the pending timer, if any. */
  disarm(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Resets the queue (and clears the timer) once nobody waits; drops the used-up head of a long one. */
  compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.queued = 0;
      this.disarm();
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private abort(w: W): void {
    if (w.done) return;
    w.done = true;
    const i = this.items.indexOf(w, this.head);
    if (i >= 0) {
      const wasHead = i === this.head;
      this.items.splice(i, 1);
      this.queued -= w.tokens;
      this.compact();
      if (wasHead && this.head < this.items.length) this.onHeadAbort?.();
    }
    w.reject(w.signal!.reason);
  }
}

function settle(w: Waiter): void {
  w.done = true;
  if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
}
