import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError, StoreUnavailableError } from '../../core/errors/index.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from '../../core/store/store.js';
import { failOversizedLanes } from '../../core/store/bucket-lanes.js';
import { checkTokens, failOversized } from '../../core/store/token-admission.js';
import { laneOf } from '../bucket/bucket-lanes.js';
import type { LocalWindowSpec } from './local-window.js';
import { SlidingWindowSwitch } from './sliding-window-switch.js';
import { SlidingWindowScriptCall } from './sliding-window-script-call.js';
import { SlidingWindowQueue } from './sliding-window-queue.js';
import type { RedisSlidingWindowDeps, WindowLimits } from './redis-sliding-window.types.js';

export type { RedisSlidingWindowDeps } from './redis-sliding-window.types.js';

/** How `tokens` errors name the bound a call may not exceed. */
const WINDOW_LIMIT = "the window's limit";

/**
 * Sliding-window limiter whose log lives in Redis (see `SLIDING_WINDOW_SCRIPT`), shared by
 * every process: across all of them, at most `limit` tokens are admitted in any interval of
 * `windowMs + safetyMarginMs`, by the server's clock, through outages too (README,
 * "Sliding-window limiter", states the conditions).
 *
 * - ONE FIFO queue per process whatever the source of tokens (see {@link SlidingWindowSwitch}:
 *   Redis, the local window while Redis is down, both for a while after it is back). Only the
 *   head asks, and one script call admits a FIFO prefix of up to 16 waiters (a chunk, stamped
 *   by the server when it runs). The first ask waits for the end of the caller's synchronous
 *   run (a microtask), since the requests of that run cannot be sent before it ends. "Wait N
 *   ms" arms one timer: no polling.
 * - `maxWaitMs`: a caller whose estimated admission is beyond it fails at once with
 *   `RateLimiterRejectedError`; one that waited already fails as soon as the source says its
 *   admission would fall after its deadline (competition from other processes).
 * - A script call whose admissions are still unsent later than `safetyMarginMs / 4` (at least
 *   1 ms) after it was sent — a slow reply, or a busy process slow to run the callers it released,
 *   measured once they have run — stamped them too early for when their requests start: a
 *   second call moves them to then. Stricter, never looser.
 * - Abort: a waiting caller leaves the queue; tokens taken for it by a script call already in
 *   flight stay counted (conservative).
 * - Redis down: `fail-open` admits from the local window, `fail-closed` rejects with
 *   `StoreUnavailableError`. Back: the queue asks Redis again, in order.
 *
 * - Lanes (`spec.lanes`): the queue is ordered by lane (aging included) and every script call
 *   runs `SLIDING_WINDOW_LANE_SCRIPT` (floors, caps with per-lane sums kept in the log,
 *   cross-replica leases: docs/redis.md, "Lanes and reservations"). Without lanes the calls,
 *   arguments and round trips are those of `SLIDING_WINDOW_SCRIPT`, as before.
 *
 * This class decides at once what it can (the local fast path, the early `maxWaitMs` refusal)
 * and keeps the spec; the queue and its script calls are {@link SlidingWindowQueue}'s.
 */
export class RedisSlidingWindow implements BucketBackend {
  private readonly limits: WindowLimits;
  private readonly sources: SlidingWindowSwitch;
  private readonly calls: SlidingWindowScriptCall;
  private readonly queue: SlidingWindowQueue;
  /** Tokens charged by `settle` while Redis was down (per lane), sent once it is back. */
  private debt: number[] | undefined;

  constructor(
    private readonly owner: StateOwner,
    spec: SlidingWindowSpec,
    private readonly clock: Clock,
    private readonly deps: RedisSlidingWindowDeps,
  ) {
    this.limits = { limit: spec.limit, windowMs: spec.windowMs, marginMs: spec.safetyMarginMs };
    this.sources = new SlidingWindowSwitch(
      deps.link,
      clock,
      deps.expectedReplicas,
      deps.onStoreError === 'fail-open',
      this.localSpec(),
    );
    this.calls = new SlidingWindowScriptCall(owner, deps, this.limits, spec.lanes);
    const lateMs = Math.max(1, spec.safetyMarginMs / 4);
    this.queue = new SlidingWindowQueue(owner, clock, deps, this.sources, this.calls, lateMs, spec.lanes);
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal, lane?: number): Promise<void> | undefined {
    const { limit, windowMs, marginMs } = this.limits;
    const lanes = this.calls.lanes;
    const l = laneOf(this.owner, lanes?.plan, lane);
    if (lanes === undefined) checkTokens(this.owner, tokens, limit, WINDOW_LIMIT);
    else checkTokens(this.owner, tokens, lanes.maxTokens(l), lanes.limitName(l));
    const source = this.sources.source();
    if (source === 'closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    const q = this.queue.waiters;
    if (this.debt !== undefined && this.deps.link.up) this.flush();
    if (source !== 'shared') {
      const local = this.sources.window();
      const own = local.tokensOf(tokens);
      if (source === 'local' && q.empty && !local.runFull && local.take(own)) return undefined;
      const wait = local.waitFor(local.tokensOf(q.tokens) + own);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    } else if (!q.empty && lanes === undefined) {
      // A lower bound: the head's own wait, plus one span per full limit queued ahead.
      const spans = Math.max(0, Math.ceil((q.tokens + tokens) / limit) - 1);
      const wait = Math.max(0, this.queue.retryAt - now) + spans * (windowMs + marginMs);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return this.queue.enqueue(tokens, now + maxWaitMs, signal, source === 'local', l);
  }

  isIdle(): boolean {
    return this.queue.waiters.empty && !this.queue.inFlight && this.sources.isIdle() && this.debt === undefined;
  }

  available(): number {
    const local = this.sources.source() === 'shared' ? undefined : this.sources.current;
    const level = local !== undefined ? local.available() : this.limits.limit - this.queue.lastCounted;
    return level - this.queue.waiters.tokens;
  }

  waiting(): number {
    return this.queue.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.limits.limit = spec.rate;
    this.limits.windowMs = spec.periodMs;
    this.sources.setSpec(this.localSpec());
    const lanes = this.calls.lanes;
    if (lanes === undefined) failOversized(this.queue.waiters, this.owner, spec.rate, WINDOW_LIMIT);
    else failOversizedLanes(this.owner, this.queue.waiters, lanes.bounds());
    this.queue.waiters.compact();
  }

  spec(): BucketSpec {
    const { limit, windowMs } = this.limits;
    const spec: BucketSpec = { rate: limit, periodMs: windowMs, burst: limit };
    if (this.calls.lanes !== undefined) spec.lanes = this.calls.lanes.plan;
    return spec;
  }

  pauseUntil(untilMs: number): void {
    this.sources.current?.pauseUntil(untilMs);
    const ms = untilMs - this.clock.now();
    if (!(ms > 0) || !this.deps.link.up) return;
    this.calls.admit([], 0, ms).catch(() => undefined);
  }

  resume(): void {
    this.sources.current?.resume();
    if (!this.deps.link.up) return this.queue.retryNow();
    this.calls.admit([], 0, -1).then(
      () => this.queue.retryNow(),
      () => undefined,
    );
  }

  /** Takes a call that never ran off the source(s) admissions take from now. */
  refund(tokens: number, lane?: number): void {
    if (!(tokens > 0)) return;
    const l = laneOf(this.owner, this.calls.lanes?.plan, lane);
    const local = this.sources.current;
    local?.refund(local.tokensOf(tokens));
    if (!this.deps.link.up) return this.queue.retryNow();
    this.calls.refund(tokens, l).then(
      (reply) => {
        this.queue.lastCounted = Number(reply[2]);
        this.queue.retryNow();
      },
      () => undefined,
    );
  }

  /**
   * Settles a reservation (see `BucketBackend.settle`): a refund (`actual < reserved`) takes the
   * difference off the window's oldest entries (no later than the admission while it is live),
   * none once `heldMs` ≥ window + margin; a charge counts the excess as a new entry at the
   * server's time (op `a` with a carry, no waiter), beyond the limit if need be (debt). Redis
   * down: both go to the local window; a charge is also kept and sent before the next script
   * call once Redis is back (counted twice by a one-replica mirror for a while: stricter).
   */
  settle(reserved: number, actual: number, heldMs: number, lane?: number): void {
    const delta = reserved - actual;
    if (delta > 0) {
      if (heldMs < this.limits.windowMs + this.limits.marginMs) this.refund(delta, lane);
      return;
    }
    if (!(delta < 0)) return;
    this.sources.current?.record(-delta);
    const l = laneOf(this.owner, this.calls.lanes?.plan, lane);
    if (!this.deps.link.up) {
      (this.debt ??= new Array<number>(this.calls.lanes?.plan.lanes.length ?? 1).fill(0))[l]! -= delta;
      return;
    }
    this.charge(-delta, l);
  }

  /** Sends the charges made while Redis was down (before the next script call: one connection, in order). */
  private flush(): void {
    const debt = this.debt!;
    this.debt = undefined;
    for (let l = 0; l < debt.length; l++) if (debt[l]! > 0) this.charge(debt[l]!, l);
  }

  /** Counts `tokens` of lane `lane` in the shared window now (op `a`: a carry, no waiter). */
  private charge(tokens: number, lane: number): void {
    this.calls.admit([], tokens, 0, this.calls.lanes === undefined ? -1 : lane).then(
      (reply) => (this.queue.lastCounted = Number(reply[2])),
      () => undefined,
    );
  }

  /** This process's share of the window: `limit / expectedReplicas` (at least one token). */
  private localSpec(): LocalWindowSpec {
    const n = this.deps.expectedReplicas;
    const { limit, windowMs, marginMs } = this.limits;
    return { limit: Math.max(limit / n, Math.min(1, limit)), windowMs, safetyMarginMs: marginMs };
  }
}
