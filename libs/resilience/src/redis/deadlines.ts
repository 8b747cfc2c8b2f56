/** One pending store operation (or probe) with a deadline. */
export interface Deadline {
  /** `performance.now()` past which it is overdue. */
  at: number;
  /** Set once the operation is settled (answered, failed, or given up): it never expires then. */
  done: boolean;
  /** How many times it was found overdue and kept waiting (see `StoreLink`). */
  tries: number;
  /** Runs when it is found overdue; `lateMs` is how late the sweep ran past `at` (loop lag). */
  readonly onExpire: (d: Deadline, lateMs: number) => void;
  /** Settles the operation with an error (set by the owner; used when the store goes down). */
  fail?: (error: Error) => void;
}

/**
 * Deadlines of store operations with ONE timer for all of them: every deadline is `ms` after
 * it was added, so they expire in insertion order and only the oldest needs a timer.
 *
 * **A busy event loop is not a late answer.** Node runs due timers before it reads sockets
 * (the timers phase comes before the poll phase), so after a long synchronous stretch a
 * deadline timer fires while the answer sits unread in the socket. When the timer fires this
 * class therefore does not expire anything yet: it schedules the sweep with `setImmediate`,
 * which runs after the poll phase has read pending I/O, and only what is still unanswered then
 * is passed to `onExpire` (with how late the sweep ran, for the caller to discount loop lag).
 * The timer is unref'd: it never keeps a process alive on its own.
 */
export class Deadlines {
  private q: Deadline[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private readonly fire = () => {
    this.timer = undefined;
    if (this.sweeping) return;
    this.sweeping = true;
    setImmediate(this.sweep);
  };
  private readonly sweep = () => {
    this.sweeping = false;
    const now = performance.now();
    const q = this.q;
    const due: Deadline[] = [];
    while (this.head < q.length) {
      const d = q[this.head]!;
      if (!d.done && d.at > now) break;
      q[this.head++] = undefined as unknown as Deadline;
      if (!d.done) due.push(d);
    }
    if (this.head === q.length) {
      this.q = [];
      this.head = 0;
    } else {
      if (this.head > 1024) {
        this.q = q.slice(this.head);
        this.head = 0;
      }
      this.arm(this.q[this.head]!.at - now);
    }
    for (const d of due) if (!d.done) d.onExpire(d, now - d.at);
  };

  constructor(readonly ms: number) {}

  /** A new deadline `ms` from now. */
  add(onExpire: Deadline['onExpire']): Deadline {
    const d: Deadline = { at: performance.now() + this.ms, done: false, tries: 0, onExpire };
    this.push(d);
    return d;
  }

  /** Gives an overdue deadline another `ms` from now (it was out of the queue). */
  extend(d: Deadline): void {
    d.at = performance.now() + this.ms;
    this.push(d);
  }

  /** Every deadline still pending, out of the queue (the timer is cleared). */
  takeAll(): Deadline[] {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.q.slice(this.head).filter((d) => !d.done);
    this.q = [];
    this.head = 0;
    return pending;
  }

  private push(d: Deadline): void {
    this.q.push(d);
    if (this.timer === undefined && !this.sweeping) this.arm(this.ms);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }
}
