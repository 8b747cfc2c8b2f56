import type { BucketLanes } from './bucket-lanes.js';
import type { BucketSpec } from './store.js';

/** Float slack when comparing token levels. */
export const EPS = 1e-9;

/**
 * Share of `burst` that may be taken without reading the clock (see {@link MemoryBucket}).
 * 1/64: the bucket is at most 1.6 % of `burst` stricter than an exact one, never looser.
 */
export const UNTIMED_SHARE = 1 / 64;

/**
 * The level of a {@link MemoryBucket} and what it refills by: the tokens there as of `last`,
 * the untimed debt charged at the next {@link refill}, the pause, the limits (`rate` per
 * `periodMs`, up to `burst`) and the lanes' caps, refilled with the level. Admissions and
 * waiters are the subclass's.
 * @internal
 */
export abstract class BucketLevel {
  protected level: number;
  protected last: number;
  /** Tokens taken since `last` without a clock read; charged by the next `refill`. */
  protected debt = 0;
  protected pausedUntil = 0;
  /** Lane limits; `undefined` without lanes. */
  protected lanes: BucketLanes | undefined;
  protected rate: number;
  protected periodMs: number;
  protected burst: number;

  /** A full bucket of `spec`'s limits as of `now` (clock ms). */
  protected constructor(spec: BucketSpec, now: number) {
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.level = spec.burst;
    this.last = now;
  }

  /** Brings the level to `now`: adds what refilled since `last` (capped at burst), then charges the debt. */
  protected refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.last = now;
      this.lanes?.refill(elapsed);
      if (now <= this.pausedUntil) {
        // Paused: no capacity at all (tokens taken before the pause need no further charge).
        this.level = Math.min(this.level - this.debt, 0);
        this.debt = 0;
        return;
      }
      const from = Math.max(now - elapsed, this.pausedUntil);
      const level = this.level + ((now - from) * this.rate) / this.periodMs;
      this.level = level > this.burst ? this.burst : level;
    }
    if (this.debt !== 0) {
      this.level -= this.debt;
      this.debt = 0;
    }
  }

  /** Milliseconds until the level reaches `needed`, counting the pause. */
  protected waitFor(needed: number, now: number): number {
    const start = Math.max(now, this.pausedUntil);
    const level = now < this.pausedUntil ? Math.min(this.level, 0) : this.level;
    const deficit = needed - level;
    return start - now + (deficit > EPS ? (deficit * this.periodMs) / this.rate : 0);
  }
}
