import type { Clock } from '../clock.js';
import { QueuedCaller, WaiterList, type BulkheadWaiter } from './waiter-list.js';

export type { BulkheadWaiter } from './waiter-list.js';

/**
 * The FIFO of a bulkhead's waiters: a doubly linked list, so enqueue, dequeue and the removal
 * of an aborted waiter from anywhere are O(1) (no array scan, no splice, and no dead entries
 * left behind for the head to skip).
 *
 * Deadlines (`enqueuedAt + maxWaitMs`) grow from head to tail, so one timer serves the
 * whole queue: it is armed for the head's deadline when the first waiter arrives. When it fires,
 * every waiter past its deadline is refused from the head, and the timer is re-armed for the new
 * head's deadline. A head that leaves earlier does not re-arm it (the armed time is never later
 * than the new head's deadline, so firing early and re-arming is correct and saves a
 * clear + set per hand-off). The timer is cleared as soon as nobody waits.
 * @internal
 */
export class BulkheadQueue {
  private readonly list = new WaiterList();
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

  /** Queues a caller at the tail; its promise resolves when {@link handOff} gives it the slot. */
  push(signal: AbortSignal | undefined): BulkheadWaiter {
    const bounded = this.maxWaitMs !== Infinity;
    const w = new QueuedCaller(this, 0, this.clock.now(), signal);
    this.list.append(w);
    this.size++;
    // The first waiter arms the one timer (a waiter queued behind others has a later deadline).
    if (bounded && this.list.head === w) this.timer = this.clock.setTimeout(this.fire, this.maxWaitMs);
    return w;
  }

  /** How long the head has waited (0 when nobody waits). */
  oldestWaitMs(now: number): number {
    const h = this.list.head;
    return h === undefined ? 0 : Math.max(0, now - h.enqueuedAt);
  }

  /** Resolves the head waiter (it now holds the slot); false when nobody waits. */
  handOff(): boolean {
    const w = this.list.head;
    if (w === undefined) return false;
    this.unlink(w);
    w.resolve();
    return true;
  }

  /** @internal Removes `w` if still queued and rejects it with `reason` (its signal aborted, or it was cancelled). */
  abort(w: QueuedCaller, reason: unknown): boolean {
    if (!this.list.has(w)) return false;
    this.unlink(w);
    w.reject(reason);
    return true;
  }

  private expire(): void {
    const now = this.clock.now();
    for (let w = this.list.head; w !== undefined && w.enqueuedAt + this.maxWaitMs <= now; w = this.list.head) {
      this.unlink(w);
      w.reject(this.expired());
    }
    const head = this.list.head;
    // A timer may fire a little early on a real clock (ms rounding): the remainder is re-armed.
    if (head !== undefined && this.timer === undefined)
      this.timer = this.clock.setTimeout(this.fire, Math.max(1, Math.ceil(head.enqueuedAt + this.maxWaitMs - now)));
  }

  /** Takes `w` out of the list, removes its abort listener, and clears the timer once nobody waits. */
  private unlink(w: QueuedCaller): void {
    this.list.remove(w);
    this.size--;
    if (this.list.head === undefined && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
