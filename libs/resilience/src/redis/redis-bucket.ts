import type { Clock } from '../core/clock.js';
import { RateLimitExceededError, ResilienceConfigError } from '../core/errors.js';
import { MemoryBucket } from '../core/rate-limiter/memory-bucket.js';
import type { BucketBackend, BucketSpec, StateOwner } from '../core/store.js';
import { WaitQueue, type Waiter } from '../core/rate-limiter/wait-queue.js';
import { BUCKET_SCRIPT } from './scripts.js';
import type { StoreLink } from './store-link.js';
import type { StoreErrorPolicy } from './redis-store.options.js';
import { StoreUnavailableError } from './store-errors.js';

/** Waiters admitted by one script call at most (one round trip admits a FIFO prefix). */
const BATCH = 16;

interface RedisWaiter extends Waiter {
  /** Local time past which the caller must not be kept waiting (`maxWaitMs` after it queued). */
  readonly deadline: number;
}

/** Settings of a {@link RedisBucket} shared by every bucket of one store. */
export interface RedisBucketDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
}

/**
 * Token bucket whose level lives in Redis (see `BUCKET_SCRIPT`), shared by every process.
 *
 * - Bound: the script keeps `MemoryBucket`'s rules with the server's clock, so across all
 *   processes the tokens admitted in any window W are ≤ burst + rate × W / period.
 * - Local waiters queue FIFO; only the head asks Redis (one script call admits a FIFO prefix
 *   of up to 16 waiters). When the answer is "wait N ms", one timer asks again in N ms: no
 *   polling. Across processes, order is by who asks first once tokens are there.
 * - `maxWaitMs`: a caller whose estimated admission is beyond it fails at once with
 *   `RateLimitExceededError`; one that waited already fails as soon as Redis says its
 *   admission would fall after its deadline (competition from other processes).
 * - Abort: a waiting caller leaves the queue; tokens taken for it by a script call already in
 *   flight are lost (conservative).
 * - Redis down / slow: `fail-open` moves callers to a local `MemoryBucket` holding
 *   `rate / expectedReplicas`; `fail-closed` rejects them with `StoreUnavailableError`.
 */
export class RedisBucket implements BucketBackend {
  private rate: number;
  private period: number;
  private burst: number;
  private readonly waiters: WaitQueue<RedisWaiter>;
  private inFlight = false;
  /** Local time the head asks Redis next. */
  private retryAt = 0;
  /** Level from the last answer (for `available()` and estimates), and when it came. */
  private lastLevel: number;
  private lastReplyAt = 0;
  private fallback: MemoryBucket | undefined;

  constructor(
    private readonly owner: StateOwner,
    spec: BucketSpec,
    private readonly clock: Clock,
    private readonly deps: RedisBucketDeps,
  ) {
    this.rate = spec.rate;
    this.period = spec.period;
    this.burst = spec.burst;
    this.lastLevel = spec.burst;
    this.waiters = new WaitQueue(clock, () => this.ask());
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (!(tokens > 0) || tokens > this.burst) {
      throw new ResilienceConfigError(`limiters.${this.owner.policy}.tokens`, tokens, `a number > 0 and <= burst (${this.burst})`);
    }
    if (!this.deps.link.up) return this.degraded(tokens, maxWaitMs, signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    if (!this.waiters.empty) {
      // Estimated from the last known level and the tokens queued ahead of us (callers of
      // other processes may take some first: the answer from Redis settles it).
      const level = Math.min(this.burst, this.lastLevel + ((now - this.lastReplyAt) * this.rate) / this.period);
      const deficit = this.waiters.tokens + tokens - level;
      const wait = Math.max(deficit > 0 ? (deficit * this.period) / this.rate : 0, this.retryAt - now);
      if (wait > maxWaitMs) throw new RateLimitExceededError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline: now + maxWaitMs, done: false });
      if (!this.waiters.armed && !this.inFlight) this.ask();
    });
  }

  isIdle(): boolean {
    // The state lives in Redis: dropping an instance nobody waits on changes nothing.
    return this.waiters.empty && !this.inFlight && (this.fallback === undefined || this.fallback.isIdle());
  }

  available(): number {
    if (!this.deps.link.up && this.fallback !== undefined) return this.fallback.available();
    return this.lastLevel - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size + (this.fallback?.waiting() ?? 0);
  }

  setSpec(spec: BucketSpec): void {
    this.rate = spec.rate;
    this.period = spec.period;
    this.burst = spec.burst;
    this.fallback?.setSpec(this.localSpec());
  }

  spec(): BucketSpec {
    return { rate: this.rate, period: this.period, burst: this.burst };
  }

  pauseUntil(untilMs: number): void {
    this.fallback?.pauseUntil(untilMs);
    const ms = untilMs - this.clock.now();
    if (!(ms > 0) || !this.deps.link.up) return;
    this.call([], ms).then(
      () => undefined,
      () => undefined,
    );
  }

  /** One script call: admits a FIFO prefix of `tokens` (none for a pause-only call). */
  private call(tokens: number[], pauseMs = 0): Promise<unknown> {
    return this.deps.link.run(BUCKET_SCRIPT, this.deps.key, [this.rate, this.period, this.burst, pauseMs, tokens.length, ...tokens], this.owner.policy);
  }

  /** The head asks Redis for itself and the waiters behind it. */
  private ask(): void {
    if (this.inFlight || this.waiters.empty) return;
    if (!this.deps.link.up) {
      this.failWaiters();
      return;
    }
    const batch = this.waiters.front(BATCH);
    const tokens = batch.map((w) => w.tokens);
    this.inFlight = true;
    this.retryAt = 0;
    this.call(tokens).then(
      (reply) => this.onReply(batch, reply as [number, string, string]),
      () => {
        this.inFlight = false;
        this.failWaiters();
      },
    );
  }

  private onReply(batch: RedisWaiter[], reply: [number, string, string]): void {
    this.inFlight = false;
    const admitted = Number(reply[0]);
    const wait = Number(reply[1]);
    this.lastLevel = Number(reply[2]);
    this.lastReplyAt = this.clock.now();
    const q = this.waiters;
    for (let i = 0; i < admitted; i++) {
      const w = batch[i]!;
      if (w.done) continue; // aborted while in flight: its tokens are lost
      q.shift(); // `w` is the head: only aborts and pushes at the tail changed the queue meanwhile
      w.resolve();
    }
    q.compact();
    const now = this.clock.now();
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
    const fb = (this.fallback ??= new MemoryBucket(this.owner, this.localSpec(), this.clock));
    return fb.acquire(Math.min(tokens, fb.spec().burst), maxWaitMs, signal);
  }

  /** This process's share of the limit while Redis is unreachable. */
  private localSpec(): BucketSpec {
    const n = this.deps.expectedReplicas;
    return { rate: this.rate / n, period: this.period, burst: Math.max(this.burst / n, Math.min(1, this.burst)) };
  }
}
