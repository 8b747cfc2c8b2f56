import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError, ResilienceConfigError, StoreUnavailableError } from '../../core/errors/index.js';
import type { BucketBackend, BucketSpec, StateOwner } from '../../core/store/store.js';
import { WaitQueue } from '../../core/store/wait-queue.js';
import { BUCKET_REFUND_SCRIPT, BUCKET_SCRIPT } from './bucket-script.js';
import { BUCKET_RESUME_SCRIPT } from './bucket-pause-script.js';
import { LocalShare, shareSpec } from './local-share.js';
import { drainLocal, settleReply, waitLocal, type LocalWaiter as RedisWaiter } from '../redis-queue.js';
import type { StoreLink } from '../store-link.js';
import type { StoreErrorPolicy } from '../../core/store/store.js';

/** Waiters admitted by one script call at most (one round trip admits a FIFO prefix). */
const BATCH = 16;

/** Settings of a {@link RedisBucket} shared by every bucket of one store. */
export interface RedisBucketDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  expectedReplicas: number;
}

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
 *   README, "When Redis fails", has the argument.
 * - Abort: tokens taken for an aborted waiter by a call in flight are lost (conservative).
 */
export class RedisBucket implements BucketBackend {
  private rate: number;
  private periodMs: number;
  private burst: number;
  private readonly waiters: WaitQueue<RedisWaiter>;
  private inFlight = false;
  /** Local time the head asks Redis next. */
  private retryAt = 0;
  /** Level from the last answer (for `available()` and estimates), and when it came. */
  private lastLevel: number;
  private lastReplyAt = 0;
  /** The local source while not in shared mode; dropped once the key was drained in shared mode. */
  private share: LocalShare | undefined;
  /** The link epoch whose drain this bucket has done (see the class comment). */
  private epoch: number;

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
    this.waiters = new WaitQueue(clock, () => this.ask());
    const link = deps.link;
    // Created in or shortly after a transition: other replicas may still be draining theirs.
    const recent = performance.now() - link.resumedAt < 2 * link.graceMs;
    this.epoch = link.shared && !recent ? link.epoch : -1;
  }

  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    if (!(tokens > 0) || tokens > this.burst) {
      throw new ResilienceConfigError(
        `limiters.${this.owner.policy}.tokens`,
        tokens,
        `a number > 0 and <= burst (${this.burst})`,
      );
    }
    if (!this.deps.link.shared) return this.acquireLocal(tokens, maxWaitMs, signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    if (!this.waiters.empty) {
      // Estimated from the last known level and the tokens queued ahead of us (callers of
      // other processes may take some first: the answer from Redis settles it).
      const level = Math.min(this.burst, this.lastLevel + ((now - this.lastReplyAt) * this.rate) / this.periodMs);
      const deficit = this.waiters.tokens + tokens - level;
      const wait = Math.max(deficit > 0 ? (deficit * this.periodMs) / this.rate : 0, this.retryAt - now);
      if (wait > maxWaitMs)
        throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    }
    return this.enqueue(tokens, now + maxWaitMs, signal);
  }

  isIdle(): boolean {
    // The state lives in Redis; a share holds local admissions not yet drained from the key.
    return this.waiters.empty && !this.inFlight && this.share === undefined;
  }

  available(): number {
    const level = !this.deps.link.up && this.share !== undefined ? this.share.available() : this.lastLevel;
    return level - this.waiters.tokens;
  }

  waiting(): number {
    return this.waiters.size;
  }

  setSpec(spec: BucketSpec): void {
    this.rate = spec.rate;
    this.periodMs = spec.periodMs;
    this.burst = spec.burst;
    this.share?.setSpec(shareSpec(spec, this.deps.expectedReplicas));
  }

  spec(): BucketSpec {
    return { rate: this.rate, periodMs: this.periodMs, burst: this.burst };
  }

  pauseUntil(untilMs: number): void {
    this.share?.pauseUntil(untilMs);
    const ms = untilMs - this.clock.now();
    if (!(ms > 0) || !this.deps.link.up) return;
    this.call([], ms, false).catch(() => undefined);
  }

  /** Gives tokens back to the source(s) admissions take from now (shared, both in grace, or the share). */
  refund(tokens: number): void {
    if (!(tokens > 0)) return;
    const link = this.deps.link;
    if (!link.shared) this.share?.refund(this.localTokens(tokens));
    if (!link.up) return this.askNow();
    this.deps.link.run(BUCKET_REFUND_SCRIPT, this.deps.key, [tokens, this.burst], this.owner.policy).then(
      (level) => {
        this.lastLevel = Number(level);
        this.lastReplyAt = this.clock.now();
        this.askNow();
      },
      () => undefined,
    );
  }

  /** Ends the pause in Redis (and of the local share); local waiters ask again at once. */
  resume(): void {
    this.share?.resume();
    if (!this.deps.link.up) return this.askNow();
    this.deps.link.run(BUCKET_RESUME_SCRIPT, this.deps.key, [], this.owner.policy).then(
      () => this.askNow(),
      () => undefined,
    );
  }

  /** Local waiters may fit now: the head asks again at once. */
  private askNow(): void {
    if (!this.inFlight) this.waiters.retry();
  }

  private enqueue(tokens: number, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ tokens, resolve, reject, signal, onAbort: undefined, deadline, done: false });
      if (!this.waiters.armed && !this.inFlight) this.ask();
    });
  }

  /** Not in shared mode: down (the share alone, or fail-closed) or in the grace period (both sources). */
  private acquireLocal(tokens: number, maxWaitMs: number, signal?: AbortSignal): Promise<void> | undefined {
    const down = !this.deps.link.up;
    if (down && this.deps.onStoreError === 'fail-closed')
      throw new StoreUnavailableError(this.owner.policy, 'store down');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const share = this.localShare();
    if (down && this.waiters.empty && share.take(this.localTokens(tokens))) return undefined;
    const wait = share.waitFor(this.waiters.tokens + this.localTokens(tokens));
    if (wait > maxWaitMs) throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    return this.enqueue(tokens, this.clock.now() + maxWaitMs, signal);
  }

  /** One script call: admits a FIFO prefix of `tokens` (none for a pause-only call). */
  private call(tokens: number[], pauseMs: number, drain: boolean): Promise<unknown> {
    const args = [this.rate, this.periodMs, this.burst, pauseMs, drain ? 1 : 0, tokens.length, ...tokens];
    return this.deps.link.run(BUCKET_SCRIPT, this.deps.key, args, this.owner.policy);
  }

  /** The head asks for itself and the waiters behind it. */
  private ask(): void {
    if (this.inFlight || this.waiters.empty) return;
    const link = this.deps.link;
    if (!link.up) {
      if (this.deps.onStoreError === 'fail-open')
        return drainLocal(this.waiters, this.localShare(), this.owner, this.clock);
      for (const w of this.waiters.takeAll()) w.reject(new StoreUnavailableError(this.owner.policy, 'store down'));
      return;
    }
    let batch = this.waiters.front(BATCH);
    const grace = !link.shared;
    if (grace) {
      // Both sources: the share covers a prefix first (and gets back what Redis refuses).
      const share = this.localShare();
      let k = 0;
      while (k < batch.length && share.take(this.localTokens(batch[k]!.tokens))) k++;
      if (k === 0) return waitLocal(this.waiters, share, this.owner, this.clock);
      batch = batch.slice(0, k);
    }
    const drain = !grace && this.epoch !== link.epoch;
    const epoch = link.epoch;
    const tokens = batch.map((w) => w.tokens);
    this.inFlight = true;
    this.retryAt = 0;
    this.call(tokens, 0, drain).then(
      (reply) => {
        if (drain) {
          this.epoch = epoch;
          this.share = undefined;
        }
        this.onReply(batch, reply as [number, string, string], grace);
      },
      (error: unknown) => {
        this.inFlight = false;
        if (grace) for (const t of tokens) this.share?.refund(this.localTokens(t));
        // Down now: the local source takes over (in order). Still up: the store was closed, and
        // asking again would fail the same way at once (a loop): the waiters fail instead.
        if (!this.deps.link.up) return this.ask();
        for (const w of this.waiters.takeAll()) w.reject(error);
      },
    );
  }

  private onReply(batch: RedisWaiter[], reply: [number, string, string], grace: boolean): void {
    this.inFlight = false;
    const admitted = Number(reply[0]);
    const wait = Number(reply[1]);
    this.lastLevel = Number(reply[2]);
    this.lastReplyAt = this.clock.now();
    if (grace) for (let i = admitted; i < batch.length; i++) this.share?.refund(this.localTokens(batch[i]!.tokens));
    const next = settleReply(this.waiters, batch, admitted, wait, this.owner, this.clock);
    if (next < 0) return;
    if (next === 0) return this.ask();
    this.retryAt = this.clock.now() + next;
    this.waiters.arm(next);
  }

  private localShare(): LocalShare {
    return (this.share ??= new LocalShare(shareSpec(this.spec(), this.deps.expectedReplicas), this.clock));
  }

  private localTokens(tokens: number): number {
    return this.localShare().tokensOf(tokens);
  }
}
