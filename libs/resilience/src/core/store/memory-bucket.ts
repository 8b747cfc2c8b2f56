import type { Clock } from '../clock.js';
import { RateLimiterRejectedError } from '../errors/index.js';
import { laneWaitBound, nextLane, nextLaneWait, passesNow } from './bucket-lane-schedule.js';
import { BucketLanes, failOversizedLanes, laneOf, replanWaiters } from './bucket-lanes.js';
import { BucketLevel, EPS, UNTIMED_SHARE } from './bucket-level.js';
import { LaneWaitQueue, type LaneWaiter } from './lane-wait-queue.js';
import type { BucketBackend, BucketSpec, StateOwner } from './store.js';
import { checkTokens, failOversized } from './token-admission.js';

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
 *
 * Lanes (`spec.lanes`, see {@link LanePlan}; without them all of the above is unchanged):
 * - Waiters queue per lane; the head admitted next is the aged one that queued first, else the
 *   highest lane's (FIFO within a lane). A call of lane l is admitted when the level after it
 *   stays ≥ `floorShare × burst` of its lane and, for a lane with `maxShare < 1`, when its cap
 *   sub-bucket (`rate × maxShare` per period, `burst × maxShare` at most, refilled with the
 *   level) covers it too; it takes its tokens from both. The bound above holds for the bucket,
 *   and for each capped lane with `rate × maxShare`, `burst × maxShare`.
 * - A head waiting on its own cap does not hold back anyone. A head waiting on the level (or
 *   its floor) holds back every head after it whose floor is as high or higher (no barging);
 *   a head after it with a lower floor (a higher lane behind an aged waiter) may still go.
 * - A new caller is admitted at once only when nobody of its lane waits and no waiter ahead of
 *   it would go first. `maxWaitMs` is checked against a lower bound of its wait (its lane's
 *   queue, the uncapped higher lanes' queues, its floor and its cap): it is rejected only when
 *   it cannot be admitted in time; otherwise it queues.
 * - Calls with more tokens than their lane can ever take (`burst × (1 − floorShare)`, or the
 *   cap's burst) fail with `ResilienceConfigError`. `settle` charges an excess to the level
 *   and the lane's cap, below zero if needed (debt later admissions wait for); a refund goes
 *   back to both, capped at their bursts. `setSpec` with other lanes re-maps waiters by lane
 *   name and fails those whose lane is gone with `ResilienceConfigError`; so does a call
 *   naming a lane index the plan does not have. Every admission reads the clock (no untimed
 *   share), so caps refill exactly.
 * @publicApi
 */
export class MemoryBucket extends BucketLevel implements BucketBackend {
  /** Largest debt allowed: `burst × UNTIMED_SHARE`. */
  private untimed: number;
  private readonly waiters: LaneWaitQueue<LaneWaiter>;

  constructor(
    private readonly owner: StateOwner,
    spec: BucketSpec,
    private readonly clock: Clock,
  ) {
    super(spec, clock.now());
    this.lanes = spec.lanes && new BucketLanes(spec.lanes, spec.rate, spec.periodMs, spec.burst);
    // With lanes every admission reads the clock (no untimed debt): caps refill with it.
    this.untimed = this.lanes === undefined ? spec.burst * UNTIMED_SHARE : 0;
    this.waiters = new LaneWaitQueue(
      clock,
      spec.lanes,
      () => this.drain(),
      () => this.waiters.retry(),
    );
  }

  /** True when `acquire(tokens)` takes the fast path (no lanes, no clock read): it admits at once. */
  admitsAtOnce(tokens: number): boolean {
    const debt = this.debt + tokens;
    return (
      this.lanes === undefined &&
      debt <= this.untimed &&
      this.level - debt >= -EPS &&
      this.waiters.empty &&
      this.pausedUntil <= this.last
    );
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal, lane?: number): Promise<void> | undefined {
    if (this.lanes !== undefined) return this.acquireLane(tokens, maxWaitMs, signal, lane);
    checkTokens(this.owner, tokens, this.burst, 'burst');
    // Fast path, no clock read: the level as of `last` covers the call and the debt stays small.
    if (this.admitsAtOnce(tokens)) {
      this.debt += tokens;
      return undefined;
    }
    const now = this.clock.now();
    this.refill(now);
    if (this.waiters.empty && now >= this.pausedUntil && this.level >= tokens - EPS) {
      this.level -= tokens;
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const wait = this.waitFor(this.waiters.tokens + tokens, now);
    if (wait > maxWaitMs) throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    return this.enqueue(tokens, 0, now, signal);
  }

  private acquireLane(
    tokens: number,
    maxWaitMs: number,
    signal: AbortSignal | undefined,
    lane: number | undefined,
  ): Promise<void> | undefined {
    const lanes = this.lanes!;
    const l = laneOf(this.owner, lanes.plan, lane);
    checkTokens(this.owner, tokens, lanes.max[l]!, lanes.limitName(l));
    const now = this.clock.now();
    this.refill(now);
    if (now >= this.pausedUntil && passesNow(lanes, this.waiters, this.level, l, tokens, now)) {
      this.level -= tokens;
      lanes.take(l, tokens);
      return undefined;
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const wait = laneWaitBound(lanes, this.waiters, l, tokens, now, (t) => this.waitFor(t, now));
    if (wait > maxWaitMs) throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    const p = this.enqueue(tokens, l, now, signal);
    // The newcomer may be admitted before the head the timer is armed for: re-time it if so.
    const next = nextLaneWait(lanes, this.waiters, now, (t) => this.waitFor(t, now));
    this.waiters.armWithin(Math.max(1, Math.ceil(next)), now);
    return p;
  }

  private enqueue(tokens: number, lane: number, now: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const q = this.waiters;
      q.push({ tokens, lane, enqueuedAt: now, resolve, reject, signal, onAbort: undefined, done: false });
      if (!q.armed && this.lanes === undefined) q.armForHead((t) => this.waitFor(t, now));
    });
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
    if (this.level > spec.burst) this.level = spec.burst;
    const before = this.lanes;
    const from = before?.plan;
    const lanes = spec.lanes && new BucketLanes(spec.lanes, spec.rate, spec.periodMs, spec.burst, before);
    this.lanes = lanes;
    this.untimed = lanes === undefined ? spec.burst * UNTIMED_SHARE : 0;
    if (from !== spec.lanes) replanWaiters(this.owner, this.waiters, from, spec.lanes);
    // A waiter asking for more than its lane can ever take could never be admitted: fail it now.
    if (lanes === undefined) failOversized(this.waiters, this.owner, spec.burst, 'burst');
    else failOversizedLanes(this.owner, this.waiters, lanes);
    this.waiters.retry();
    this.waiters.compact();
  }

  spec(): BucketSpec {
    const spec: BucketSpec = { rate: this.rate, periodMs: this.periodMs, burst: this.burst };
    if (this.lanes !== undefined) spec.lanes = this.lanes.plan;
    return spec;
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

  refund(tokens: number, lane?: number): void {
    if (!(tokens > 0)) return;
    this.refill(this.clock.now());
    this.level = Math.min(this.burst, this.level + tokens);
    this.lanes?.give(this.lanes.laneOf(lane), tokens);
    this.waiters.retry();
  }

  settle(reserved: number, actual: number, _heldMs: number, lane?: number): void {
    const excess = actual - reserved;
    if (!(excess > 0)) {
      if (excess < 0) this.refund(-excess, lane);
      return;
    }
    // Charged now, below zero if need be: later admissions (and the timer's next turn) wait for it.
    this.refill(this.clock.now());
    this.level -= excess;
    this.lanes?.take(this.lanes.laneOf(lane), excess);
  }

  /** Admits every waiter at the head whose tokens are there, then re-arms the timer. */
  private drain(): void {
    const now = this.clock.now();
    this.refill(now);
    if (this.lanes !== undefined) return this.drainLanes(this.lanes, now);
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

  /** Admits, head by head in lane order, every waiter its lane's floor and cap allow (see the class comment). */
  private drainLanes(lanes: BucketLanes, now: number): void {
    const q = this.waiters;
    while (now >= this.pausedUntil) {
      const l = nextLane(lanes, q, this.level, now);
      if (l < 0) break;
      const w = q.shiftLane(l)!;
      this.level -= w.tokens;
      lanes.take(l, w.tokens);
      w.resolve();
    }
    q.compact();
    if (!q.empty) q.armFor(nextLaneWait(lanes, q, now, (t) => this.waitFor(t, now)));
  }
}
