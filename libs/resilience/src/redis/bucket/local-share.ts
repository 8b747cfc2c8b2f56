import type { Clock } from '../../core/clock.js';
import type { BucketSpec } from '../../core/store/store.js';

/** Float slack when comparing token levels. */
const EPS = 1e-9;

/**
 * This process's share of a shared bucket (`rate / expectedReplicas`, `burst /
 * expectedReplicas`), used by `RedisBucket` while Redis is down and during the grace period
 * after it is back. A plain token bucket without a queue (the `RedisBucket` queues), that
 * **starts empty**: the shared bucket may have been drained just before the outage, so tokens
 * this process takes locally must be ones that refilled since (see docs/redis.md, "When Redis
 * fails", for the bound this gives).
 * @internal
 */
export class LocalShare {
  private level = 0;
  private last: number;
  private pausedUntil = 0;

  constructor(
    private spec: BucketSpec,
    private readonly clock: Clock,
  ) {
    this.last = clock.now();
  }

  /** A caller's tokens as the share counts them (it may hold less than a whole burst). */
  tokensOf(tokens: number): number {
    return Math.min(tokens, this.spec.burst);
  }

  /** Takes `tokens` now if they are there. */
  take(tokens: number): boolean {
    const now = this.refill();
    if (now < this.pausedUntil || this.level < tokens - EPS) return false;
    this.level -= tokens;
    return true;
  }

  /** Milliseconds until `tokens` are there (counting a pause). */
  waitFor(tokens: number): number {
    const now = this.refill();
    const start = Math.max(now, this.pausedUntil);
    const deficit = tokens - (now < this.pausedUntil ? Math.min(this.level, 0) : this.level);
    return start - now + (deficit > EPS ? (deficit * this.spec.periodMs) / this.spec.rate : 0);
  }

  /** Tokens there now. */
  available(): number {
    this.refill();
    return this.level;
  }

  /** True when full and not paused. */
  isFull(): boolean {
    return this.refill() >= this.pausedUntil && this.level >= this.spec.burst - EPS;
  }

  /** Gives back tokens taken for a call that never ran (capped at burst). */
  refund(tokens: number): void {
    this.refill();
    this.level = Math.min(this.spec.burst, this.level + tokens);
  }

  /** Charges tokens a call used beyond its reservation, now: the level may go below zero (debt). */
  charge(tokens: number): void {
    this.refill();
    this.level -= tokens;
  }

  setSpec(spec: BucketSpec): void {
    this.refill();
    this.spec = spec;
    if (this.level > spec.burst) this.level = spec.burst;
  }

  /** Empty until `untilMs`, refilling from then. */
  pauseUntil(untilMs: number): void {
    this.refill();
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
    if (this.level > 0) this.level = 0;
  }

  /** Ends a pause now: stays empty, refills from now. */
  resume(): void {
    const now = this.refill();
    if (this.pausedUntil > now) this.pausedUntil = now;
  }

  private refill(): number {
    const now = this.clock.now();
    if (now > this.last) {
      const from = Math.max(this.last, this.pausedUntil);
      if (now > from)
        this.level = Math.min(this.spec.burst, this.level + ((now - from) * this.spec.rate) / this.spec.periodMs);
      this.last = now;
    }
    return now;
  }
}

/** One process's share of `spec` among `replicas`: `rate / replicas`, `burst / replicas` (at least one token). @internal */
export function shareSpec(spec: BucketSpec, replicas: number): BucketSpec {
  return {
    rate: spec.rate / replicas,
    periodMs: spec.periodMs,
    burst: Math.max(spec.burst / replicas, Math.min(1, spec.burst)),
  };
}
