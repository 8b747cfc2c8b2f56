import type { Clock } from '../../core/clock.js';
import { StoreUnavailableError } from '../../core/errors/index.js';
import type { StateOwner } from '../../core/store/store.js';
import { WaitQueue } from '../../core/store/wait-queue.js';
import { drainLocal, settleReply, waitLocal, type LocalWaiter as RedisWaiter } from '../redis-queue.js';
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
 * was sent moves the admissions it stamped to now (a second call, once their callers ran).
 * @internal
 */
export class SlidingWindowQueue {
  readonly waiters: WaitQueue<RedisWaiter>;
  /** True while a script call for the head is in flight. */
  inFlight = false;
  /** Local time the head asks Redis next. */
  retryAt = 0;
  /** Tokens counted in the window at the last answer. */
  lastCounted = 0;
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
  ) {
    this.waiters = new WaitQueue(clock, () => this.ask());
  }

  /**
   * Queues a caller (deadline: local time past which it must not wait). Locally (`local`), more
   * than a chunk in one run: the next goes with the timer's next turn. For Redis, the head asks
   * once the caller's run ends (Redis stamps the admissions when it runs).
   */
  enqueue(tokens: number, deadline: number, signal: AbortSignal | undefined, local: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const q = this.waiters;
      q.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline, done: false });
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
    this.calls
      .admit(
        batch.map((w) => w.tokens),
        carry.tokens,
      )
      .then(
        (reply) => {
          this.sources.carriedFor(carry.epoch);
          this.onReply(batch, reply, sentAt, local);
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
    const now = this.clock.now();
    // Redis stamped these admissions when the script ran, up to `now - sentAt` before their
    // requests can start (more when this process was busy): count them from about now instead,
    // once their callers have run (fire and forget: failing to is only looser by the lateness).
    if (taken > 0 && now - sentAt > this.lateMs) {
      const entry = Number(reply[3]);
      queueMicrotask(() => void (this.deps.link.up && this.calls.move(taken, entry).catch(() => undefined)));
    }
    if (next < 0) return;
    if (next === 0) return this.ask();
    this.retryAt = now + next;
    this.waiters.arm(next);
  }
}
