import type { Clock } from '../clock.js';

/**
 * The one timer of a wait queue: at most one pending call of `onTimer`. @internal
 */
export class QueueTimer {
  private timer: unknown = undefined;
  /** When the pending timer fires, if armed by {@link armWithin} (`Infinity`: not known). */
  private dueAt = Infinity;
  private readonly fire = () => {
    this.timer = undefined;
    this.onTimer();
  };

  /**
   * @param clock schedules the timer
   * @param onTimer runs when the timer fires (the timer is no longer armed by then)
   */
  constructor(
    protected readonly clock: Clock,
    protected readonly onTimer: () => void,
  ) {}

  /** True while a timer is pending. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Calls `onTimer` in `ms` (the caller makes sure no timer is pending). */
  arm(ms: number): void {
    this.timer = this.clock.setTimeout(this.fire, ms);
    this.dueAt = Infinity;
  }

  /**
   * Makes sure `onTimer` runs within `ms` of `now` (`ms` ≥ 0, used as is): keeps a pending
   * timer known to fire by then, else (re-)arms for `ms`. Re-arms only when the wait shrank.
   */
  armWithin(ms: number, now: number): void {
    if (this.timer !== undefined) {
      if (this.dueAt <= now + ms) return;
      this.disarm();
    }
    this.arm(ms);
    this.dueAt = now + ms;
  }

  /** Calls `onTimer` in `ms` rounded up, at least 1 ms (the caller makes sure no timer is pending). */
  armFor(ms: number): void {
    this.arm(Math.max(1, Math.ceil(ms)));
  }

  /** Clears the pending timer, if any. */
  disarm(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}
