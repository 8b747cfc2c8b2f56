import type { Clock } from '../clock.js';
import type { BucketBackend, BucketSpec, StateOwner } from './store.js';
import { checkTokens, failOversized, queueOrReject } from './token-admission.js';
import { WaitQueue, type Waiter } from './wait-queue.js';

/** Float slack when comparing token levels. */
const EPS = 1e-9;

/**
 * Share of `burst` that may be taken without reading the clock (see {@link MemoryBucket}).
 * 1/64: the bucket is at most 1.6 % of `burst` stricter than an exact one, never looser.
 */
const UNTIMED_SHARE = 1 / 64;

/**
 * In-process token bucket with a FIFO queue.
 *
 * - The level refills continuously (`rate / period` tokens per ms) up to `burst`, and never
 *   goes below zero: tokens are taken at the moment a caller is admitted. Hence, in any
 *   window of length W, admitted tokens ≤ burst + rate × W / period, whatever the arrival
 *   pattern, concurrency or timer lateness.
 * - No barging: while anyone waits, a new caller queues behind them (waiters never starve).
 * - A caller whose admission time (computed from the tokens queued ahead of it) is beyond
 *   `maxWaitMs` fails at once with `RateLimiterRejectedError` and the estimated `retryAfterMs`.
 * - At most one timer, for the head of the queue; none while nobody waits.
 * - `pauseUntil` empties the bucket; refill restarts when the pause ends. `setSpec` fails
 *   queued callers asking for more than the new burst (`ResilienceConfigError`).
 * - Clock reads cost more than the rest of an admission (about 60 ns on some VMs). While no
 *   one waits, up to `burst / 64` tokens in all may be taken without one: they are booked as
 *   "debt" and charged at the next clock read, after that read's refill (as if they had been
 *   taken at that moment). Taking them later than they really were can only leave fewer
 *   tokens than an exact bucket would (by at most the debt), never more, so the bound above
 *   still holds. A bucket whose `burst` is under 64 calls' tokens reads the clock every time.
 * @publicApi
 */
export class MemoryBucket implements BucketBackend {
  private level: number;
  private last: number;
  /** Tokens taken since `last` without a clock read; charged by the next `refill`. */
  private debt = 0;
  /** Largest debt allowed: `burst × UNTIMED_SHARE`. */
  private untimed: number;
  private pausedUntil = 0;
  private readonly waiters: WaitQueue<Waiter>;
  private rate: number;
  private periodMs: number;
  private burst: number;

  constructor(
    private readonly owner: StateOwner,
    spec: BucketSpec,
    private readonly clock: Clock,
  ) {
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.level = spec.burst;
    this.untimed = spec.burst * UNTIMED_SHARE;
    this.last = clock.now();
    this.waiters = new WaitQueue(
      clock,
      () => this.drain(),
      () => this.waiters.retry(),
    );
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    checkTokens(this.owner, tokens, this.burst, 'burst');
    // Fast path, no clock read: the level as of `last` covers the call and the debt stays small.
    const debt = this.debt + tokens;
    if (debt <= this.untimed && this.level - debt >= -EPS && this.waiters.empty && this.pausedUntil <= this.last) {
      this.debt = debt;
      return undefined;
    }
    const now = this.clock.now();
    this.refill(now);
    if (this.waiters.empty && now >= this.pausedUntil && this.level >= tokens - EPS) {
      this.level -= tokens;
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return queueOrReject(this.waiters, this.owner, tokens, maxWaitMs, signal, (t) => this.waitFor(t, now));
  }

  isIdle(): boolean {
    if (!this.waiters.empty) return false;
    const now = this.clock.now();
    this.refill(now);
    return this.level >= this.burst - EPS && now >= this.pausedUntil;
  }

  available(): number {
    this.refill(this.clock.now());
    return this.level - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.refill(this.clock.now());
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.untimed = spec.burst * UNTIMED_SHARE;
    if (this.level > spec.burst) this.level = spec.burst;
    // A waiter asking for more than the new burst could never be admitted: fail it now.
    failOversized(this.waiters, this.owner, spec.burst, 'burst');
    this.waiters.retry();
    this.waiters.compact();
  }

  spec(): BucketSpec {
    return { rate: this.rate, periodMs: this.periodMs, burst: this.burst };
  }

  pauseUntil(untilMs: number): void {
    const now = this.clock.now();
    // A pause that is over already (or shorter than the current one) changes nothing.
    if (untilMs <= this.pausedUntil || untilMs <= now) return;
    this.pausedUntil = untilMs;
    // Nothing accumulates while paused: a pause is the provider saying "no capacity".
    this.refill(now);
    // refill() empties the bucket only when time passed since the last refill; empty it always.
    if (this.level > 0) this.level = 0;
    this.waiters.retry();
  }

  resume(): void {
    const now = this.clock.now();
    if (this.pausedUntil <= now) return;
    this.refill(now);
    this.pausedUntil = now;
    this.waiters.retry();
  }

  refund(tokens: number): void {
    if (!(tokens > 0)) return;
    this.refill(this.clock.now());
    this.level = Math.min(this.burst, this.level + tokens);
    this.waiters.retry();
  }

  /** Brings the level to `now`: adds what refilled since `last` (capped at burst), then charges the debt. */
  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.last = now;
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
  private waitFor(needed: number, now: number): number {
    const start = Math.max(now, this.pausedUntil);
    const level = now < this.pausedUntil ? Math.min(this.level, 0) : this.level;
    const deficit = needed - level;
    return start - now + (deficit > EPS ? (deficit * this.periodMs) / this.rate : 0);
  }

  /** Admits every waiter at the head whose tokens are there, then re-arms the timer. */
  private drain(): void {
    const now = this.clock.now();
    this.refill(now);
    const q = this.waiters;
    for (let w = q.peek(); w !== undefined && now >= this.pausedUntil; w = q.peek()) {
      if (this.level < w.tokens - EPS) break;
      this.level -= w.tokens;
      q.shift();
      w.resolve();
    }
    q.compact();
    if (!q.empty) q.armForHead((t) => this.waitFor(t, now));
  }
}
