import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../../core/errors/errors.js';
import type { BucketBackend, BucketSpec, SlidingWindowSpec, StateOwner } from '../../core/store/store.js';
import { WaitQueue } from '../../core/store/wait-queue.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window-script.js';
import type { StoreLink } from '../store-link.js';
import type { StoreErrorPolicy } from '../redis-store.options.js';
import { StoreUnavailableError } from '../store-errors.js';
import { drainLocal, settleReply, waitLocal, type LocalWaiter as RedisWaiter } from '../redis-queue.js';
import { LOCAL_CHUNK, type LocalWindow, type LocalWindowSpec } from './local-window.js';
import { SlidingWindowSwitch } from './sliding-window-switch.js';

/** Waiters admitted by one script call at most (one round trip admits a FIFO prefix). */
const BATCH = 16;

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
 * - A reply that comes back later than `safetyMarginMs / 4` (at least 1 ms) after its
 *   script call was sent (a busy process, a slow network) means its admissions were stamped
 *   too early for when their requests start: a second call (after the callers ran) moves
 *   them to now. Stricter, never looser.
 * - Abort: a waiting caller leaves the queue; tokens taken for it by a script call already in
 *   flight stay counted (conservative).
 * - Redis down: `fail-open` admits from the local window, `fail-closed` rejects with
 *   `StoreUnavailableError`. Back: the queue asks Redis again, in order.
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
  private readonly sources: SlidingWindowSwitch;
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
    this.sources = new SlidingWindowSwitch(
      deps.link,
      clock,
      deps.expectedReplicas,
      deps.onStoreError === 'fail-open',
      this.localSpec(),
    );
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (!(tokens > 0) || tokens > this.limit) {
      throw new ResilienceConfigError(
        `limiters.${this.owner.policy}.tokens`,
        tokens,
        `a number > 0 and <= the window's limit (${this.limit})`,
      );
    }
    const source = this.sources.source();
    if (source === 'closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    const q = this.waiters;
    if (source !== 'shared') {
      const local = this.sources.window();
      const own = local.tokensOf(tokens);
      if (source === 'local' && q.empty && !local.runFull && local.take(own)) return undefined;
      const wait = local.waitFor(local.tokensOf(q.tokens) + own);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    } else if (!q.empty) {
      // A lower bound: the head's own wait, plus one span per full limit queued ahead.
      const spans = Math.max(0, Math.ceil((q.tokens + tokens) / this.limit) - 1);
      const wait = Math.max(0, this.retryAt - now) + spans * (this.windowMs + this.margin);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return new Promise<void>((resolve, reject) => {
      q.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline: now + maxWaitMs, done: false });
      if (q.armed || this.inFlight || this.askQueued) return;
      // Locally, more than a chunk in one run: the next goes with the timer's next turn. For
      // Redis, asked once the caller's run ends (Redis stamps the admissions when it runs).
      if (source === 'local') q.arm(0);
      else {
        this.askQueued = true;
        queueMicrotask(this.askSoon);
      }
    });
  }

  isIdle(): boolean {
    return this.waiters.empty && !this.inFlight && this.sources.isIdle();
  }

  available(): number {
    const local = this.sources.source() === 'shared' ? undefined : this.sources.current;
    return (local !== undefined ? local.available() : this.limit - this.lastCounted) - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.limit = spec.rate;
    this.windowMs = spec.periodMs;
    this.sources.setSpec(this.localSpec());
    for (const w of this.waiters.drop((w) => w.tokens > spec.rate)) {
      w.reject(
        new ResilienceConfigError(
          `limiters.${this.owner.policy}.tokens`,
          w.tokens,
          `a number > 0 and <= the window's limit (${spec.rate})`,
        ),
      );
    }
    this.waiters.compact();
  }

  spec(): BucketSpec {
    return { rate: this.limit, periodMs: this.windowMs, burst: this.limit };
  }

  pauseUntil(untilMs: number): void {
    this.sources.current?.pauseUntil(untilMs);
    const ms = untilMs - this.clock.now();
    if (!(ms > 0) || !this.deps.link.up) return;
    this.call('a', [], ms).catch(() => undefined);
  }

  resume(): void {
    this.sources.current?.resume();
    if (!this.deps.link.up) return this.retryNow();
    this.call('a', [], -1).then(
      () => this.retryNow(),
      () => undefined,
    );
  }

  /** Takes a call that never ran off the source(s) admissions take from now. */
  refund(tokens: number): void {
    if (!(tokens > 0)) return;
    const local = this.sources.current;
    local?.refund(local.tokensOf(tokens));
    if (!this.deps.link.up) return this.retryNow();
    this.call('r', [tokens]).then(
      (reply) => {
        this.lastCounted = Number((reply as [number, string, string])[2]);
        this.retryNow();
      },
      () => undefined,
    );
  }

  /** One script call: `a` admits a FIFO prefix of `values` after counting `carry`; `r` refunds `values[0]`; `m` moves `values[0]` tokens of entry `values[1]` to now. */
  private call(op: 'a' | 'r' | 'm', values: number[], pauseMs = 0, carry = 0): Promise<unknown> {
    const span = this.windowMs + this.margin;
    const args =
      op !== 'a'
        ? [this.limit, span, pauseMs, op, ...values]
        : [this.limit, span, pauseMs, 'a', carry, values.length, ...values];
    return this.deps.link.run(SLIDING_WINDOW_SCRIPT, this.deps.key, args, this.owner.policy);
  }

  /** Local waiters may fit now: the head asks again at once. */
  private retryNow(): void {
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
    this.call(
      'a',
      batch.map((w) => w.tokens),
      0,
      carry.tokens,
    ).then(
      (reply) => {
        this.sources.carriedFor(carry.epoch);
        this.onReply(batch, reply as [number, string, string, number], sentAt, local);
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
    reply: [number, string, string, number],
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
      queueMicrotask(() => void (this.deps.link.up && this.call('m', [taken, entry]).catch(() => undefined)));
    }
    if (next < 0) return;
    if (next === 0) return this.ask();
    this.retryAt = now + next;
    this.waiters.arm(next);
  }

  /** This process's share of the window: `limit / expectedReplicas` (at least one token). */
  private localSpec(): LocalWindowSpec {
    const n = this.deps.expectedReplicas;
    return {
      limit: Math.max(this.limit / n, Math.min(1, this.limit)),
      windowMs: this.windowMs,
      safetyMarginMs: this.margin,
    };
  }
}
