/**
 * A queued caller, as `BulkheadPolicy.enterCancellable` returns it: withdraw it with
 * {@link BulkheadWaiter.cancel} (no `AbortSignal` needed, nothing allocated for it).
 * @publicApi
 */
export interface BulkheadWaiter {
  /** Resolves once the caller holds a slot (then call `leave` exactly once); rejects when refused or cancelled. */
  readonly promise: Promise<void>;
  /**
   * Takes the caller out of the queue at once, freeing its place, and rejects `promise` with
   * `reason`. False (and nothing changes) when it no longer waits (it holds its slot, or was refused).
   */
  cancel(reason?: unknown): boolean;
}

/** What a queued caller leaves through: its queue. @internal */
export interface WaiterOwner {
  /** Removes `w` if still queued and rejects it with `reason`; false when it was not queued. */
  abort(w: QueuedCaller, reason: unknown): boolean;
}

/**
 * One queued caller of a bulkhead: a node of a {@link WaiterList}, and the listener of its
 * signal's `abort` event (an `EventListenerObject`, so no closure is made per waiter).
 * @internal
 */
export class QueuedCaller implements BulkheadWaiter {
  prev: QueuedCaller | undefined = undefined;
  next: QueuedCaller | undefined = undefined;
  resolve!: () => void;
  reject!: (reason: unknown) => void;
  readonly promise: Promise<void>;

  constructor(
    private readonly owner: WaiterOwner,
    /** The caller's lane (0 without lanes). */
    readonly lane: number,
    /** Clock time of the enqueue: the deadline is `enqueuedAt + maxWaitMs`, aging counts from it. */
    readonly enqueuedAt: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** The signal aborted: the waiter leaves the queue at once, wherever it stands. */
  handleEvent(): void {
    this.owner.abort(this, this.signal!.reason);
  }

  cancel(reason?: unknown): boolean {
    return this.owner.abort(this, reason);
  }
}

/**
 * A FIFO of queued callers: a doubly linked list, so append, removal of the head and removal of
 * an aborted caller from anywhere are O(1) (no array scan, no splice, no dead entries). A caller
 * listens to its signal's `abort` while it is in the list.
 * @internal
 */
export class WaiterList {
  head: QueuedCaller | undefined = undefined;
  private tail: QueuedCaller | undefined = undefined;

  /** Appends `w` at the tail and starts listening to its signal. */
  append(w: QueuedCaller): void {
    if (this.tail === undefined) this.head = w;
    else {
      this.tail.next = w;
      w.prev = this.tail;
    }
    this.tail = w;
    if (w.signal !== undefined) w.signal.addEventListener('abort', w, { once: true });
  }

  /** Whether `w` is in this list. */
  has(w: QueuedCaller): boolean {
    return w.prev !== undefined || this.head === w;
  }

  /** Takes `w` (in this list) out and removes its abort listener. */
  remove(w: QueuedCaller): void {
    if (w.prev !== undefined) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next !== undefined) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = undefined;
    w.next = undefined;
    if (w.signal !== undefined) w.signal.removeEventListener('abort', w);
  }
}
