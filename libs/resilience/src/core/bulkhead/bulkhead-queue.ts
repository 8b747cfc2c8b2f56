import type { Clock } from '../clock.js';

/**
 * One queued caller: a node of the queue's doubly linked list, and the listener of its
 * signal's `abort` event (an `EventListenerObject`, so no closure is made per waiter).
 * @internal
 */
class Waiter {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  resolve!: () => void;
  reject!: (reason: unknown) => void;
  readonly promise: Promise<void>;

  constructor(
    private readonly queue: BulkheadQueue,
    /** Clock time past which the waiter is refused (`Infinity`: never). */
    readonly deadline: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The signal aborted: the waiter leaves the queue at once, wherever it stands. */
  handleEvent(): void {
    this.queue.abort(this);
  }
}

/**
 * The FIFO of a bulkhead's waiters: a doubly linked list, so enqueue, dequeue and the removal
 * of an aborted waiter from anywhere are O(1) (no array scan, no splice, and no dead entries
 * left behind for the head to skip).
 *
 * Deadlines (`now + maxWaitMs` at enqueue) grow from head to tail, so one timer serves the
 * whole queue: it is armed for the head's deadline when the first waiter arrives. When it fires,
 * every waiter past its deadline is refused from the head, and the timer is re-armed for the new
 * head's deadline. A head that leaves earlier does not re-arm it (the armed time is never later
 * than the new head's deadline, so firing early and re-arming is correct and saves a
 * clear + set per hand-off). The timer is cleared as soon as nobody waits.
 * @internal
 */
export class BulkheadQueue {
  private head: Waiter | undefined = undefined;
  private tail: Waiter | undefined = undefined;
  private timer: unknown = undefined;
  /** How many callers wait. */
  size = 0;

  private readonly fire = () => {
    this.timer = undefined;
    this.expire();
  };

  /**
   * @param clock reads the time and runs the one timer
   * @param maxWaitMs longest wait (`Infinity`: no timer at all)
   * @param expired the error a waiter past its deadline is rejected with
   */
  constructor(
    private readonly clock: Clock,
    private readonly maxWaitMs: number,
    private readonly expired: () => unknown,
  ) {}

  /** Queues a caller at the tail; the promise resolves when {@link handOff} gives it the slot. */
  push(signal: AbortSignal | undefined): Promise<void> {
    const bounded = this.maxWaitMs !== Infinity;
    const w = new Waiter(this, bounded ? this.clock.now() + this.maxWaitMs : Infinity, signal);
    if (this.tail === undefined) this.head = w;
    else {
      this.tail.next = w;
      w.prev = this.tail;
    }
    this.tail = w;
    this.size++;
    if (signal !== undefined) signal.addEventListener('abort', w, { once: true });
    // The first waiter arms the one timer (a waiter queued behind others has a later deadline).
    if (bounded && this.head === w) this.timer = this.clock.setTimeout(this.fire, this.maxWaitMs);
    return w.promise;
  }

  /** Resolves the head waiter (it now holds the slot); false when nobody waits. */
  handOff(): boolean {
    const w = this.head;
    if (w === undefined) return false;
    this.unlink(w);
    w.resolve();
    return true;
  }

  /** @internal Called by the waiter's abort listener. */
  abort(w: Waiter): void {
    if (!this.linked(w)) return;
    this.unlink(w);
    w.reject(w.signal!.reason);
  }

  private expire(): void {
    const now = this.clock.now();
    while (this.head !== undefined && this.head.deadline <= now) {
      const w = this.head;
      this.unlink(w);
      w.reject(this.expired());
    }
    // A timer may fire a little early on a real clock (ms rounding): the remainder is re-armed.
    if (this.head !== undefined && this.timer === undefined)
      this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(this.head.deadline - now)));
  }

  private linked(w: Waiter): boolean {
    return w.prev !== undefined || this.head === w;
  }

  /** Takes `w` out of the list, removes its abort listener, and clears the timer once nobody waits. */
  private unlink(w: Waiter): void {
    if (w.prev !== undefined) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next !== undefined) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = undefined;
    w.next = undefined;
    this.size--;
    if (w.signal !== undefined) w.signal.removeEventListener('abort', w);
    if (this.head === undefined && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
