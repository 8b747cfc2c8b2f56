import { setBackgroundTimeout, type Clock } from '../../core/clock.js';

/**
 * A node of a {@link DeadlineList} (intrusive: the attempt object is the node, no allocation
 * per entry).
 * @internal
 */
export interface DeadlineEntry {
  /** Clock ms when it expires (set by the list). */
  _deadline: number;
  _prevD: DeadlineEntry | undefined;
  _nextD: DeadlineEntry | undefined;
  _listed: boolean;
  /** Called once by the list's timer when the deadline passed (the entry is already removed). */
  expire(): void;
}

/**
 * Deadlines of one transport: a doubly-linked list ordered by deadline and **one** background
 * (unref'd) timer for the whole list. Every entry gets `now + timeoutMs`, so appending keeps the
 * list ordered (FIFO) and `touch` (activity of a stream) moves an entry to the tail: add, touch
 * and remove are O(1). The timer is not cleared when entries leave (no timer per call on the
 * success path): when it fires it expires what is due and re-arms for the new head, if any.
 * @internal
 */
export class DeadlineList {
  #head: DeadlineEntry | undefined = undefined;
  #tail: DeadlineEntry | undefined = undefined;
  #armed = false;
  #size = 0;

  constructor(
    private readonly clock: Clock,
    readonly timeoutMs: number,
  ) {}

  /** Entries in the list. */
  get size(): number {
    return this.#size;
  }

  /** Whether the timer is pending. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Adds `e` with deadline `now + timeoutMs` (or moves it to the tail with that deadline). */
  add(e: DeadlineEntry): void {
    if (e._listed) this.#unlink(e);
    e._deadline = this.clock.now() + this.timeoutMs;
    e._listed = true;
    e._prevD = this.#tail;
    e._nextD = undefined;
    if (this.#tail === undefined) this.#head = e;
    else this.#tail._nextD = e;
    this.#tail = e;
    this.#size++;
    if (!this.#armed) this.#arm(this.timeoutMs);
  }

  /** Activity: a new deadline `now + timeoutMs`, the entry moves to the tail. No-op when not listed. */
  touch(e: DeadlineEntry): void {
    if (e._listed) this.add(e);
  }

  /** Removes `e` (no-op when not listed). */
  remove(e: DeadlineEntry): void {
    if (e._listed) this.#unlink(e);
  }

  #unlink(e: DeadlineEntry): void {
    const p = e._prevD;
    const n = e._nextD;
    if (p === undefined) this.#head = n;
    else p._nextD = n;
    if (n === undefined) this.#tail = p;
    else n._prevD = p;
    e._prevD = e._nextD = undefined;
    e._listed = false;
    this.#size--;
  }

  #arm(ms: number): void {
    this.#armed = true;
    setBackgroundTimeout(this.clock, () => this.#fire(), Math.max(1, ms));
  }

  #fire(): void {
    this.#armed = false;
    const now = this.clock.now();
    // Bounded: every turn removes one entry.
    for (let e = this.#head; e !== undefined && e._deadline <= now; e = this.#head) {
      this.#unlink(e);
      try {
        e.expire();
      } catch {
        // An entry's expiry must not stop the others.
      }
    }
    if (this.#head !== undefined) this.#arm(this.#head._deadline - now);
  }
}
