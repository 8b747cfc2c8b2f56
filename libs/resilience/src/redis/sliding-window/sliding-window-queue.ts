import type { Clock } from '../../core/clock.js';
import { StoreUnavailableError } from '../../core/errors/index.js';
import type { StateOwner } from '../../core/store/store.js';
import type { LanePlan } from '../../core/lanes/lane-plan.js';
import { LaneWaitQueue } from '../../core/store/lane-wait-queue.js';
import {
  laneReply,
  newLaneHead,
  settleLaneReply,
  type RedisLaneWaiter as RedisWaiter,
} from '../bucket/bucket-lanes.js';
import { drainLocal, settleReply, waitLocal } from '../redis-queue.js';
import { LOCAL_CHUNK, type LocalWindow } from './local-window.js';
import type { SlidingWindowSwitch } from './sliding-window-switch.js';
import type { SlidingWindowScriptCall } from './sliding-window-script-call.js';
import type { RedisSlidingWindowDeps, SlidingWindowReply } from './redis-sliding-window.types.js';

/** Waiters admitted by one script call at most (one round trip admits a FIFO prefix). */
const BATCH = 16;

/**
 * The one FIFO queue of a `RedisSlidingWindow` and its head's asking, whatever the source of
 * tokens ({@link SlidingWindowSwitch}): Redis admits a FIFO prefix of up to {@link BATCH}
 * waiters per script call, the local window a chunk per timer turn, both together after a
 * resume (the local window first, getting back what Redis refuses). One script call in flight
 * at most; "wait N ms" arms the queue's one timer. A reply later than `lateMs` after its call
 * was sent — measured once the callers it released have run — moves the admissions it stamped
 * to then (a second call).
 * With lanes the queue is ordered by lane (aging included) and one lane script call walks up to
 * {@link BATCH} waiters in that order (floors, caps, leases: `SLIDING_WINDOW_LANE_SCRIPT`).
 * @internal
 */
export class SlidingWindowQueue {
  readonly waiters: LaneWaitQueue<RedisWaiter>;
  /** True while a script call for the head is in flight. */
  inFlight = false;
  /** Local time the head asks Redis next. */
  retryAt = 0;
  /** Tokens counted in the window at the last answer. */
  lastCounted = 0;
  /** True when a new lane head queued while a call was in flight (it asks when the call is answered). */
  private freshHead = false;
  /** True while an ask is scheduled for the end of the caller's synchronous run. */
  private askQueued = false;
  private readonly askSoon = () => {
    this.askQueued = false;
    if (!this.waiters.armed) this.ask();
  };

  constructor(
    private readonly owner: StateOwner,
    private readonly clock: Clock,
    private readonly deps: RedisSlidingWindowDeps,
    private readonly sources: SlidingWindowSwitch,
    private readonly calls: SlidingWindowScriptCall,
    /** A reply slower than this (ms) came too late for the stamp Redis gave its admissions. */
    private readonly lateMs: number,
    private readonly plan?: LanePlan,
  ) {
    this.waiters = new LaneWaitQueue(clock, plan, () => this.ask());
  }

  /**
   * Queues a caller (deadline: local time past which it must not wait). Locally (`local`), more
   * than a chunk in one run: the next goes with the timer's next turn. For Redis, the head asks
   * once the caller's run ends (Redis stamps the admissions when it runs).
   */
  enqueue(tokens: number, deadline: number, signal: AbortSignal | undefined, local: boolean, lane = 0): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const q = this.waiters;
      const enqueuedAt = this.plan === undefined ? 0 : this.clock.now();
      q.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline, done: false, lane, enqueuedAt });
      // With lanes, a new lane head asks now, or once the call in flight is answered.
      if (this.plan !== undefined && !local && newLaneHead(q, lane, this.inFlight, this.askQueued))
        this.freshHead = true;
      if (q.armed || this.inFlight || this.askQueued) return;
      if (local) q.arm(0);
      else {
        this.askQueued = true;
        queueMicrotask(this.askSoon);
      }
    });
  }

  /** Local waiters may fit now: the head asks again at once. */
  retryNow(): void {
    if (!this.inFlight) this.waiters.retry();
  }

  /** The head asks the source(s) for itself and the waiters behind it. */
  private ask(): void {
    if (this.inFlight || this.waiters.empty) return;
    const q = this.waiters;
    const source = this.sources.source();
    if (source === 'closed') {
      for (const w of q.takeAll()) w.reject(new StoreUnavailableError(this.owner.policy, 'store down'));
      return;
    }
    if (source === 'local') return drainLocal(q, this.sources.window(), this.owner, this.clock, LOCAL_CHUNK);
    let batch = q.front(BATCH);
    let local: LocalWindow | undefined;
    if (source === 'both') {
      // Both sources: the local window admits a prefix first (and gets back what Redis refuses).
      local = this.sources.window();
      let k = 0;
      while (k < batch.length && local.take(local.tokensOf(batch[k]!.tokens))) k++;
      if (k === 0) return waitLocal(q, local, this.owner, this.clock);
      batch = batch.slice(0, k);
    }
    const carry = this.sources.carry();
    this.inFlight = true;
    this.retryAt = 0;
    const sentAt = this.clock.now();
    const lanes = this.plan !== undefined;
    const call = lanes
      ? this.calls.admitLanes(batch, carry.tokens, sentAt)
      : this.calls.admit(
          batch.map((w) => w.tokens),
          carry.tokens,
        );
    call.then(
      (reply) => {
        this.sources.carriedFor(carry.epoch);
        if (lanes) this.onLaneReply(batch, reply, sentAt, local);
        else this.onReply(batch, reply as SlidingWindowReply, sentAt, local);
      },
      (error: unknown) => {
        this.inFlight = false;
        if (local !== undefined) for (const w of batch) local.refund(local.tokensOf(w.tokens));
        // Down now: the local source takes over (in order). Still up: the store was closed.
        if (!this.deps.link.up) return this.ask();
        for (const w of q.takeAll()) w.reject(error);
      },
    );
  }

  private onReply(
    batch: RedisWaiter[],
    reply: SlidingWindowReply,
    sentAt: number,
    local: LocalWindow | undefined,
  ): void {
    this.inFlight = false;
    const admitted = Number(reply[0]);
    const wait = Number(reply[1]);
    this.lastCounted = Number(reply[2]);
    let taken = 0;
    for (let i = 0; i < batch.length; i++) {
      if (i < admitted) taken += batch[i]!.tokens;
      else if (local !== undefined) local.refund(local.tokensOf(batch[i]!.tokens));
    }
    this.sources.recordShared(taken);
    const next = settleReply(this.waiters, batch, admitted, wait, this.owner, this.clock);
    this.moveLate(taken, Number(reply[3]), sentAt);
    this.next(next);
  }

  private onLaneReply(batch: RedisWaiter[], raw: unknown, sentAt: number, local: LocalWindow | undefined): void {
    this.inFlight = false;
    const reply = laneReply(raw);
    this.lastCounted = reply.level;
    let taken = 0;
    const byLane = new Array<number>(this.plan!.lanes.length).fill(0);
    for (let i = 0; i < batch.length; i++) {
      const w = batch[i]!;
      if ((reply.mask & (1 << i)) === 0) {
        if (local !== undefined) local.refund(local.tokensOf(w.tokens));
        continue;
      }
      taken += w.tokens;
      byLane[w.lane]! += w.tokens;
    }
    this.sources.recordShared(taken);
    const next = settleLaneReply(this.waiters, batch, reply, this.plan!.agingMs, this.owner, this.clock);
    this.moveLate(taken, Number((raw as unknown[])[5]), sentAt, byLane);
    this.next(next);
  }

  /**
   * Redis stamped these admissions when the script ran, up to `now - sentAt` before their
   * requests can start, and more when this process is busy: the callers it released run after
   * this reply (their continuations, up to the requests they start, are microtasks of this turn
   * of the loop), and on a loaded machine that run alone may take longer than the margin. So the
   * lateness is measured once they have run (`setImmediate`: after this turn's microtasks), and
   * if it is over `lateMs` the admissions are counted from about then instead (fire and forget:
   * failing to is only looser by the lateness).
   */
  private moveLate(taken: number, entry: number, sentAt: number, byLane?: number[]): void {
    if (!(taken > 0)) return;
    setImmediate(() => {
      if (this.clock.now() - sentAt <= this.lateMs || !this.deps.link.up) return;
      this.calls.move(taken, entry, byLane).catch(() => undefined);
    });
  }

  private next(next: number): void {
    const now = this.clock.now();
    if (next < 0) return;
    const fresh = this.freshHead;
    this.freshHead = false;
    if (next === 0 || fresh) return this.ask();
    this.retryAt = now + next;
    this.waiters.arm(next);
  }
}
