import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError } from '../../core/errors/index.js';
import { checkTokens } from '../../core/store/token-admission.js';
import type { BucketBackend, BucketSpec, StateOwner } from '../../core/store/store.js';
import { LaneWaitQueue } from '../../core/store/lane-wait-queue.js';
import { BUCKET_SCRIPT } from './bucket-script.js';
import { BucketSwitch } from './bucket-switch.js';
import { BucketSettlement } from './bucket-settlement.js';
import { BucketLanes, laneOf, laneReply, newLaneHead, settleLaneReply, type RedisLaneWaiter } from './bucket-lanes.js';
import { pauseKey, resumeKey } from './bucket-pause.js';
import { shareSpec } from './local-share.js';
import { settleReply } from '../redis-queue.js';
import { BATCH, type RedisBucketDeps } from './redis-bucket.settings.js';

export type { RedisBucketDeps } from './redis-bucket.settings.js';

/**
 * Token bucket whose level lives in Redis (see `BUCKET_SCRIPT`), shared by every process;
 * across all processes the tokens admitted in any window W are ≤ burst + rate × W / period.
 *
 * - ONE FIFO queue per process whatever the source of tokens; only the head asks (a script
 *   call admits up to 16 waiters); "wait N ms" arms one timer: no polling. `maxWaitMs` is
 *   checked before waiting and on every answer.
 * - Down: `fail-closed` rejects (`StoreUnavailableError`); `fail-open` admits from this
 *   process's {@link LocalShare}, which starts EMPTY.
 * - Back: the queue asks Redis again (FIFO kept). In the link's grace period every admission
 *   takes tokens from the share AND from Redis; the first call in shared mode after it drains
 *   the key, so local admissions and a restarted (full) key never add up with shared ones.
 *   README, "When Redis fails", has the argument. Down, grace, drain: {@link BucketSwitch}.
 * - Abort: tokens taken for an aborted waiter by a call in flight are lost (conservative).
 * - Lanes (`spec.lanes`): the queue is ordered by lane (aging included) and `BUCKET_LANE_SCRIPT`
 *   applies floors, caps and cross-replica leases (docs/redis.md, "Lanes and reservations").
 *   Without lanes the calls and round trips are those of `BUCKET_SCRIPT`, as before.
 * - `refund` / `settle`: see {@link BucketSettlement} (a charge is debt, kept through outages).
 */
export class RedisBucket implements BucketBackend {
  private rate: number;
  private periodMs: number;
  private burst: number;
  private readonly waiters: LaneWaitQueue<RedisLaneWaiter>;
  private readonly lanes: BucketLanes | undefined;
  private readonly settlement: BucketSettlement;
  private inFlight = false;
  /** True when a new lane head queued while a call was in flight (it asks when the call is answered). */
  private freshHead = false;
  /** Local time the head asks Redis next. */
  private retryAt = 0;
  /** Level from the last answer (for `available()` and estimates), and when it came. */
  private lastLevel: number;
  private lastReplyAt = 0;
  /** The local source (`share`) while not in shared mode, and the drain once back. */
  private readonly sources: BucketSwitch;

  constructor(
    private readonly owner: StateOwner,
    spec: BucketSpec,
    private readonly clock: Clock,
    private readonly deps: RedisBucketDeps,
  ) {
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.lastLevel = spec.burst;
    this.lanes = spec.lanes === undefined ? undefined : new BucketLanes(spec.lanes, spec);
    this.waiters = new LaneWaitQueue(clock, spec.lanes, () => this.ask());
    this.sources = new BucketSwitch(owner, clock, deps, this.waiters, {
      spec: () => this.spec(),
      enqueue: (tokens, deadline, signal, lane) => this.enqueue(tokens, deadline, signal, lane),
    });
    this.settlement = new BucketSettlement(owner, deps.link, deps.key, {
      spec: () => this.spec(),
      share: () => (deps.link.shared ? undefined : this.sources.share),
      level: (level, ask) => this.onLevel(level, ask),
    });
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal, lane?: number): Promise<void> | undefined {
    checkTokens(this.owner, tokens, this.burst, 'burst');
    const q = laneOf(this.owner, this.lanes?.plan, lane);
    if (!this.deps.link.shared) return this.sources.acquire(tokens, maxWaitMs, signal, q);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    const lanes = this.lanes;
    if (!this.waiters.empty) {
      // Estimated from the last known level (callers of other processes may take some first: the
      // answer from Redis settles it) and the tokens queued ahead; with lanes a lower bound: its
      // own tokens and floor (the waiters of other lanes may go first or not).
      const level = Math.min(this.burst, this.lastLevel + ((now - this.lastReplyAt) * this.rate) / this.periodMs);
      const deficit = (lanes === undefined ? this.waiters.tokens : lanes.floorOf(q)) + tokens - level;
      const retry = lanes === undefined ? this.retryAt - now : 0;
      const wait = Math.max(deficit > 0 ? (deficit * this.periodMs) / this.rate : 0, retry);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return this.enqueue(tokens, now + maxWaitMs, signal, q);
  }

  isIdle(): boolean {
    // The state lives in Redis; a share holds local admissions not yet drained from the key.
    return this.waiters.empty && !this.inFlight && this.sources.share === undefined && this.settlement.idle;
  }

  available(): number {
    const level = this.deps.link.up ? this.lastLevel : (this.sources.share?.available() ?? this.lastLevel);
    return level - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.sources.share?.setSpec(shareSpec(spec, this.deps.expectedReplicas));
    this.lanes?.setSpec(spec);
  }

  spec(): BucketSpec {
    const spec: BucketSpec = { rate: this.rate, periodMs: this.periodMs, burst: this.burst };
    if (this.lanes !== undefined) spec.lanes = this.lanes.plan;
    return spec;
  }

  pauseUntil(untilMs: number): void {
    this.sources.share?.pauseUntil(untilMs);
    pauseKey(this.deps, this.owner, this.spec(), untilMs - this.clock.now());
  }

  /** Gives tokens back to the source(s) admissions take from now (shared, both in grace, or the share). */
  refund(tokens: number, lane?: number): void {
    this.settlement.refund(tokens, laneOf(this.owner, this.lanes?.plan, lane));
  }

  /** Refunds `reserved − actual`, or charges the excess as debt (see the class comment). */
  settle(reserved: number, actual: number, _heldMs: number, lane?: number): void {
    this.settlement.settle(reserved - actual, laneOf(this.owner, this.lanes?.plan, lane));
  }

  /** Ends the pause in Redis (and of the local share); local waiters ask again at once. */
  resume(): void {
    this.sources.share?.resume();
    resumeKey(this.deps, this.owner, () => this.askNow());
  }

  /** A refund or charge was answered with `level` (NaN: none); `ask`: waiters may fit now. */
  private onLevel(level: number, ask: boolean): void {
    if (!Number.isNaN(level)) {
      this.lastLevel = level;
      this.lastReplyAt = this.clock.now();
    }
    if (ask) this.askNow();
  }

  /** Local waiters may fit now: the head asks again at once. */
  private askNow(): void {
    if (!this.inFlight) this.waiters.retry();
  }

  private enqueue(tokens: number, deadline: number, signal: AbortSignal | undefined, lane: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({
        tokens,
        resolve,
        reject,
        signal,
        onAbort: undefined,
        deadline,
        done: false,
        lane,
        enqueuedAt: this.clock.now(),
      });
      // With lanes, a new lane head asks now, or once the call in flight is answered.
      if (this.lanes !== undefined && this.deps.link.up && newLaneHead(this.waiters, lane, this.inFlight))
        this.freshHead = true;
      if (!this.waiters.armed && !this.inFlight) this.ask();
    });
  }

  /** One script call: admits a FIFO prefix of `batch`. */
  private call(batch: RedisLaneWaiter[], drain: boolean): Promise<unknown> {
    const tokens = batch.map((w) => w.tokens);
    const args = [this.rate, this.periodMs, this.burst, 0, drain ? 1 : 0, tokens.length, ...tokens];
    return this.deps.link.run(BUCKET_SCRIPT, this.deps.key, args, this.owner.policy);
  }

  /** The head asks for itself and the waiters behind it. */
  private ask(): void {
    if (this.inFlight || this.waiters.empty) return;
    const link = this.deps.link;
    if (!link.up) return this.sources.down();
    const grace = !link.shared;
    // Grace: both sources, the share covers a prefix first (and gets back what Redis refuses).
    const batch = grace ? this.sources.prefix(this.waiters.front(BATCH)) : this.waiters.front(BATCH);
    if (grace && batch.length === 0) return;
    const drain = !grace && this.sources.epoch !== link.epoch;
    const epoch = link.epoch;
    this.inFlight = true;
    this.retryAt = 0;
    this.settlement.flush();
    const lanes = this.lanes;
    const call =
      lanes === undefined
        ? this.call(batch, drain)
        : lanes.run(link, this.deps.key, this.owner.policy, this.spec(), drain, batch, this.clock.now());
    call.then(
      (reply) => {
        if (drain) this.sources.drained(epoch);
        if (lanes === undefined) this.onReply(batch, reply as [number, string, string], grace);
        else this.onLaneReply(batch, reply, grace);
      },
      (error: unknown) => {
        this.inFlight = false;
        if (grace) this.sources.refund(batch, 0);
        // Down now: the local source takes over (in order). Still up: the store was closed, and
        // asking again would fail the same way at once (a loop): the waiters fail instead.
        if (!this.deps.link.up) return this.ask();
        for (const w of this.waiters.takeAll()) w.reject(error);
      },
    );
  }

  private onLaneReply(batch: RedisLaneWaiter[], raw: unknown, grace: boolean): void {
    this.inFlight = false;
    const reply = laneReply(raw);
    this.lastLevel = reply.level;
    this.lastReplyAt = this.clock.now();
    if (grace) this.sources.refundRefused(batch, reply.mask);
    this.next(settleLaneReply(this.waiters, batch, reply, this.lanes!.plan.agingMs, this.owner, this.clock));
  }

  private onReply(batch: RedisLaneWaiter[], reply: [number, string, string], grace: boolean): void {
    this.inFlight = false;
    const admitted = Number(reply[0]);
    this.lastLevel = Number(reply[2]);
    this.lastReplyAt = this.clock.now();
    if (grace) this.sources.refund(batch, admitted);
    this.next(settleReply(this.waiters, batch, admitted, Number(reply[1]), this.owner, this.clock));
  }

  private next(next: number): void {
    const fresh = this.freshHead;
    this.freshHead = false;
    if (next < 0) return;
    if (next === 0 || fresh) return this.ask();
    this.retryAt = this.clock.now() + next;
    this.waiters.arm(next);
  }
}
