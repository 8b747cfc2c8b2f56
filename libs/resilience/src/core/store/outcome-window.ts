import type { SlidingWindow } from '../circuit-breaker/circuit-breaker.options.js';

/** Number of buckets a time window is split into (rates are exact to 1/BUCKETS of the window). */
const TIME_BUCKETS = 10;

/**
 * Sliding window of call outcomes for the failure-rate mode.
 * - count window: a ring of the last N outcomes (one byte each);
 * - time window: TIME_BUCKETS buckets of `durationMs / TIME_BUCKETS` each; a bucket older
 *   than the window is dropped as time moves on.
 */
export class OutcomeWindow {
  private readonly ring: Uint8Array | undefined;
  private next = 0;
  private total = 0;
  private failed = 0;
  private slowCalls = 0;
  // Time window.
  private readonly width: number;
  private readonly bCalls: Float64Array | undefined;
  private readonly bFailed: Float64Array | undefined;
  private readonly bSlow: Float64Array | undefined;
  private epoch = -1;

  constructor(spec: SlidingWindow) {
    if (spec.type === 'count') {
      this.ring = new Uint8Array(spec.size);
      this.width = 0;
    } else {
      this.width = spec.durationMs / TIME_BUCKETS;
      this.bCalls = new Float64Array(TIME_BUCKETS);
      this.bFailed = new Float64Array(TIME_BUCKETS);
      this.bSlow = new Float64Array(TIME_BUCKETS);
    }
  }

  add(now: number, failed: boolean, slow: boolean): void {
    const code = (failed ? 1 : 0) | (slow ? 2 : 0);
    const ring = this.ring;
    if (ring !== undefined) {
      if (this.total === ring.length) {
        const old = ring[this.next]!;
        if (old & 1) this.failed--;
        if (old & 2) this.slowCalls--;
      } else {
        this.total++;
      }
      ring[this.next] = code;
      this.next = (this.next + 1) % ring.length;
      if (failed) this.failed++;
      if (slow) this.slowCalls++;
      return;
    }
    this.advance(now);
    const i = this.epoch % TIME_BUCKETS;
    this.bCalls![i]!++;
    if (failed) this.bFailed![i]!++;
    if (slow) this.bSlow![i]!++;
    this.total++;
    if (failed) this.failed++;
    if (slow) this.slowCalls++;
  }

  calls(now: number): number {
    if (this.ring === undefined) this.advance(now);
    return this.total;
  }

  failures(now: number): number {
    if (this.ring === undefined) this.advance(now);
    return this.failed;
  }

  /** Failure rate in percent (0 when empty). */
  failureRate(now: number): number {
    const n = this.calls(now);
    return n === 0 ? 0 : (this.failed / n) * 100;
  }

  /** Slow-call rate in percent (0 when empty). */
  slowRate(now: number): number {
    const n = this.calls(now);
    return n === 0 ? 0 : (this.slowCalls / n) * 100;
  }

  isEmpty(now: number): boolean {
    return this.calls(now) === 0;
  }

  clear(): void {
    this.next = 0;
    this.total = 0;
    this.failed = 0;
    this.slowCalls = 0;
    this.ring?.fill(0);
    if (this.bCalls) {
      this.bCalls.fill(0);
      this.bFailed!.fill(0);
      this.bSlow!.fill(0);
    }
  }

  /** Drops the buckets that fell out of the window. */
  private advance(now: number): void {
    const epoch = Math.floor(now / this.width);
    if (this.epoch < 0) {
      this.epoch = epoch;
      return;
    }
    const steps = epoch - this.epoch;
    if (steps <= 0) return;
    if (steps >= TIME_BUCKETS) {
      this.clear();
    } else {
      for (let s = 1; s <= steps; s++) {
        const i = (this.epoch + s) % TIME_BUCKETS;
        this.total -= this.bCalls![i]!;
        this.failed -= this.bFailed![i]!;
        this.slowCalls -= this.bSlow![i]!;
        this.bCalls![i] = 0;
        this.bFailed![i] = 0;
        this.bSlow![i] = 0;
      }
    }
    this.epoch = epoch;
  }
}
