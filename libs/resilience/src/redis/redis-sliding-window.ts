import type { Clock } from '../core/clock.js';
import { RateLimitExceededError, ResilienceConfigError } from '../core/errors.js';
import { MemorySlidingWindow } from '../core/rate-limiter/sliding-window.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from '../core/store.js';
import { WaitQueue, type Waiter } from '../core/rate-limiter/wait-queue.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window-script.js';
import type { StoreLink } from './store-link.js';
import type { StoreErrorPolicy } from './redis-store.options.js';
import { StoreUnavailableError } from './store-errors.js';

/** Waiters admitted by one script call at most (one round trip admits a FIFO prefix). */
const BATCH = 16;

interface RedisWaiter extends Waiter {
  /** Local time past which the caller must not be kept waiting (`maxWaitMs` after it queued). */
  readonly deadline: number;
}

/** Settings of a {@link RedisSlidingWindow} shared by every limiter of one store. */
export interface RedisSlidingWindowDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
}

/**
 * Sliding-window limiter whose log lives in Redis (see `SLIDING_WINDOW_SCRIPT`), shared by
 * every process: across all of them, at most `limit` tokens are admitted in any interval of
 * `windowMs + safetyMarginMs`, by the server's clock.
 *
 * - Local waiters queue FIFO; only the head asks Redis, and one script call admits a FIFO
 *   prefix of up to 16 waiters (a chunk, stamped by the server when it runs). The first ask
 *   waits for the end of the caller's synchronous run (a microtask), since the requests of
 *   that run cannot be sent before it ends. When the answer
 *   is "wait N ms", one timer asks again in N ms: no polling.
 * - `maxWaitMs`: a caller whose estimated admission is beyond it fails at once with
 *   `RateLimitExceededError`; one that waited already fails as soon as Redis says its
 *   admission would fall after its deadline (competition from other processes).
 * - A reply that comes back later than `safetyMarginMs / 4` (at least 1 ms) after its
 *   script call was sent (a busy process, a slow network) means its admissions were stamped
 *   too early for when their requests start: a second call (after the callers ran) moves
 *   them to now. Stricter, never looser.
 * - Abort: a waiting caller leaves the queue; tokens taken for it by a script call already in
 *   flight stay counted (conservative).
 * - Redis down / slow: `fail-open` moves callers to a local `MemorySlidingWindow` holding
 *   `limit / expectedReplicas`; what it admitted and still counts is added to the shared log
 *   by the first script call once Redis answers again. `fail-closed` rejects them with
 *   `StoreUnavailableError`.
 */
export class RedisSlidingWindow implements BucketBackend {
  private limit: number;
  private windowMs: number;
  private readonly margin: number;
  private readonly waiters: WaitQueue<RedisWaiter>;
  private inFlight = false;
  /** Local time the head asks Redis next. */
  private retryAt = 0;
  /** Tokens counted in the window at the last answer. */
  private lastCounted = 0;
  /** A reply slower than this (ms) came too late for the stamp Redis gave its admissions. */
  private readonly lateMs: number;
  private fallback: MemorySlidingWindow | undefined;
  /** True while an ask is scheduled for the end of the caller's synchronous run. */
  private askQueued = false;
  private readonly askSoon = () => {
    this.askQueued = false;
    if (!this.waiters.armed) this.ask();
  };

  constructor(
    private readonly owner: StateOwner,
    spec: SlidingWindowSpec,
    private readonly clock: Clock,
    private readonly deps: RedisSlidingWindowDeps,
  ) {
    this.limit = spec.limit;
    this.windowMs = spec.windowMs;
    this.margin = spec.safetyMarginMs;
    this.lateMs = Math.max(1, spec.safetyMarginMs / 4);
    this.waiters = new WaitQueue(clock, () => this.ask());
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (!(tokens > 0) || tokens > this.limit) {
      throw new ResilienceConfigError(`limiters.${this.owner.policy}.tokens`, tokens, `a number > 0 and <= the window's limit (${this.limit})`);
    }
    if (!this.deps.link.up) return this.degraded(tokens, maxWaitMs, signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    if (!this.waiters.empty) {
      // A lower bound: the head's own wait, plus one span per full limit queued ahead.
      const spans = Math.max(0, Math.ceil((this.waiters.tokens + tokens) / this.limit) - 1);
      const wait = Math.max(0, this.retryAt - now) + spans * (this.windowMs + this.margin);
      if (wait > maxWaitMs) throw new RateLimitExceededError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline: now + maxWaitMs, done: false });
      // Asked once the caller's synchronous run ends: Redis stamps the admissions when the
      // script runs, and their requests cannot be sent before the run is over.
      if (!this.waiters.armed && !this.inFlight && !this.askQueued) {
        this.askQueued = true;
        queueMicrotask(this.askSoon);
      }
    });
  }

  isIdle(): boolean {
    return this.waiters.empty && !this.inFlight && (this.fallback === undefined || this.fallback.isIdle());
  }

  available(): number {
    if (!this.deps.link.up && this.fallback !== undefined) return this.fallback.available();
    return this.limit - this.lastCounted - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size + (this.fallback?.waiting() ?? 0);
  }

  setSpec(spec: BucketSpec): void {
    this.limit = spec.rate;
    this.windowMs = spec.period;
    this.fallback?.setSpec(this.localSpec());
    for (const w of this.waiters.drop((w) => w.tokens > spec.rate)) {
      w.reject(new ResilienceConfigError(`limiters.${this.owner.policy}.tokens`, w.tokens, `a number > 0 and <= the window's limit (${spec.rate})`));
    }
    this.waiters.compact();
  }

  spec(): BucketSpec {
    return { rate: this.limit, period: this.windowMs, burst: this.limit };
  }

  pauseUntil(untilMs: number): void {
    this.fallback?.pauseUntil(untilMs);
    const ms = untilMs - this.clock.now();
    if (!(ms > 0) || !this.deps.link.up) return;
    this.call('a', [], ms).then(
      () => undefined,
      () => undefined,
    );
  }

  resume(): void {
    this.fallback?.resume();
    if (!this.deps.link.up) return;
    this.call('a', [], -1).then(
      () => this.retryNow(),
      () => undefined,
    );
  }

  refund(tokens: number): void {
    if (!(tokens > 0)) return;
    if (!this.deps.link.up) {
      this.fallback?.refund(tokens);
      return;
    }
    this.call('r', [tokens]).then(
      (reply) => {
        this.lastCounted = Number((reply as [number, string, string])[2]);
        this.retryNow();
      },
      () => undefined,
    );
  }

  /**
   * One script call. `a`: admits a FIFO prefix of `values` (token counts); `r`: refunds
   * `values[0]`; `m`: counts `values[0]` tokens of entry `values[1]` from now instead.
   */
  private call(op: 'a' | 'r' | 'm', values: number[], pauseMs = 0): Promise<unknown> {
    const span = this.windowMs + this.margin;
    const args = op !== 'a' ? [this.limit, span, pauseMs, op, ...values] : [this.limit, span, pauseMs, 'a', this.takeCarry(), values.length, ...values];
    return this.deps.link.run(SLIDING_WINDOW_SCRIPT, this.deps.key, args, this.owner.policy);
  }

  /** Tokens the local fallback admitted that still count: the shared log takes them (once). */
  private takeCarry(): number {
    const fb = this.fallback;
    if (fb === undefined || fb.waiting() > 0) return 0;
    const counted = fb.spec().rate - fb.available();
    this.fallback = undefined;
    return counted > 0 ? counted : 0;
  }

  /** Counts `tokens` from now (the `m` op); fire and forget: failing to is only looser by the reply's lateness. */
  private restamp(tokens: number, entry: number): void {
    if (!this.deps.link.up) return;
    this.call('m', [tokens, entry]).then(
      () => undefined,
      () => undefined,
    );
  }

  /** Local waiters may fit now: the head asks again at once. */
  private retryNow(): void {
    if (!this.waiters.empty && !this.inFlight) {
      this.waiters.disarm();
      this.ask();
    }
  }

  /** The head asks Redis for itself and the waiters behind it. */
  private ask(): void {
    if (this.inFlight || this.waiters.empty) return;
    if (!this.deps.link.up) {
      this.failWaiters();
      return;
    }
    const batch = this.waiters.front(BATCH);
    this.inFlight = true;
    this.retryAt = 0;
    const sentAt = this.clock.now();
    this.call(
      'a',
      batch.map((w) => w.tokens),
    ).then(
      (reply) => this.onReply(batch, reply as [number, string, string, number], sentAt),
      () => {
        this.inFlight = false;
        this.failWaiters();
      },
    );
  }

  private onReply(batch: RedisWaiter[], reply: [number, string, string, number], sentAt: number): void {
    this.inFlight = false;
    const admitted = Number(reply[0]);
    const wait = Number(reply[1]);
    this.lastCounted = Number(reply[2]);
    const q = this.waiters;
    let taken = 0;
    for (let i = 0; i < admitted; i++) {
      const w = batch[i]!;
      taken += w.tokens;
      if (w.done) continue; // aborted while in flight: its tokens stay counted
      q.shift(); // `w` is the head: only aborts and pushes at the tail changed the queue meanwhile
      w.resolve();
    }
    q.compact();
    const now = this.clock.now();
    // Redis stamped these admissions when the script ran, up to `now - sentAt` before their
    // requests can start (more when this process was busy): count them from about now instead,
    // once their callers have run.
    if (taken > 0 && now - sentAt > this.lateMs) {
      const entry = Number(reply[3]);
      queueMicrotask(() => this.restamp(taken, entry));
    }
    // Waiters of this batch not admitted wait at least `wait` (exactly, for the first; as a
    // lower bound for those needing as many tokens). Those whose deadline falls before fail.
    const first = batch[admitted];
    let asked = false;
    for (let w = q.peek(); w !== undefined && first !== undefined; w = q.peek()) {
      const i = batch.indexOf(w);
      if (i < admitted || (w !== first && w.tokens < first.tokens)) break; // needs its own answer
      asked = true;
      if (now + wait <= w.deadline) break;
      q.shift();
      w.reject(new RateLimitExceededError(this.owner.policy, wait, w.tokens, this.owner.partitionKey));
      asked = false;
    }
    q.compact();
    if (q.empty) return;
    if (!asked) {
      this.ask();
      return;
    }
    const ms = Math.max(1, Math.ceil(wait));
    this.retryAt = now + ms;
    q.arm(ms);
  }

  /** Redis failed: every local waiter goes to the fallback (fail-open) or fails (fail-closed). */
  private failWaiters(): void {
    const waiters = this.waiters.takeAll();
    const now = this.clock.now();
    for (const w of waiters) {
      try {
        const p = this.degraded(w.tokens, Math.max(0, w.deadline - now), w.signal);
        if (p === undefined) w.resolve();
        else p.then(w.resolve, w.reject);
      } catch (error) {
        w.reject(error);
      }
    }
  }

  private degraded(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (this.deps.onStoreError === 'fail-closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    const fb = (this.fallback ??= new MemorySlidingWindow(this.owner, { ...this.localWindow(), safetyMarginMs: this.margin }, this.clock));
    return fb.acquire(Math.min(tokens, fb.spec().rate), maxWaitMs, signal);
  }

  /** This process's share of the limit while Redis is unreachable. */
  private localWindow(): { limit: number; windowMs: number } {
    const n = this.deps.expectedReplicas;
    return { limit: Math.max(this.limit / n, Math.min(1, this.limit)), windowMs: this.windowMs };
  }

  private localSpec(): BucketSpec {
    const w = this.localWindow();
    return { rate: w.limit, period: w.windowMs, burst: w.limit };
  }
}
