import type { Clock } from '../../core/clock.js';
import { RateLimiterRejectedError, StoreUnavailableError } from '../../core/errors/index.js';
import type { LaneWaitQueue } from '../../core/store/lane-wait-queue.js';
import type { BucketSpec, StateOwner } from '../../core/store/store.js';
import { drainLocal, waitLocal } from '../redis-queue.js';
import type { RedisLaneWaiter } from './bucket-lanes.js';
import { LocalShare, shareSpec } from './local-share.js';
import type { RedisBucketDeps } from './redis-bucket.settings.js';

/** What a {@link BucketSwitch} reads of its `RedisBucket` and asks of it. @internal */
export interface SwitchHost {
  spec(): BucketSpec;
  /** Queues a caller in the bucket's one queue (`deadline`: local time). */
  enqueue(tokens: number, deadline: number, signal: AbortSignal | undefined, lane: number): Promise<void>;
}

/**
 * The sources of one `RedisBucket`'s tokens (see its class comment; `SlidingWindowSwitch` is the
 * sliding window's): while not in shared mode, Redis down (`fail-closed` rejects with
 * `StoreUnavailableError`, `fail-open` admits from this process's {@link LocalShare}, which
 * starts EMPTY) or in the link's grace period (admissions take tokens from the share AND from
 * Redis); back in shared mode, the first call drains the key once per link epoch.
 * @internal
 */
export class BucketSwitch {
  /** The local source while not in shared mode; dropped once the key was drained in shared mode. */
  share: LocalShare | undefined;
  /** The link epoch whose drain this bucket has done (see {@link drained}). */
  epoch: number;

  constructor(
    private readonly owner: StateOwner,
    private readonly clock: Clock,
    private readonly deps: RedisBucketDeps,
    private readonly waiters: LaneWaitQueue<RedisLaneWaiter>,
    private readonly host: SwitchHost,
  ) {
    const link = deps.link;
    // Created in or shortly after a transition: other replicas may still be draining theirs.
    const recent = performance.now() - link.resumedAt < 2 * link.graceMs;
    this.epoch = link.shared && !recent ? link.epoch : -1;
  }

  /** Not in shared mode: down (the share alone, or fail-closed) or in the grace period (both sources). */
  acquire(tokens: number, maxWaitMs: number, signal: AbortSignal | undefined, lane: number): Promise<void> | undefined {
    const down = !this.deps.link.up;
    if (down && this.deps.onStoreError === 'fail-closed')
      throw new StoreUnavailableError(this.owner.policy, 'store down');
    if (signal?.aborted) return Promise.reject(signal.reason);
    const share = this.localShare();
    if (down && this.waiters.empty && share.take(share.tokensOf(tokens))) return undefined;
    const wait = share.waitFor(this.waiters.tokens + share.tokensOf(tokens));
    if (wait > maxWaitMs) throw new RateLimiterRejectedError(this.owner.policy, wait, tokens, this.owner.partitionKey);
    return this.host.enqueue(tokens, this.clock.now() + maxWaitMs, signal, lane);
  }

  /** Redis down, the head asks: `fail-open` admits from the share (in order), `fail-closed` fails every waiter. */
  down(): void {
    if (this.deps.onStoreError === 'fail-open')
      return drainLocal(this.waiters, this.localShare(), this.owner, this.clock);
    for (const w of this.waiters.takeAll()) w.reject(new StoreUnavailableError(this.owner.policy, 'store down'));
  }

  /**
   * Grace period: the share covers a prefix of `batch` first (takes its tokens); returns it.
   * Empty: the share has not the head's tokens, and the queue waits for them.
   */
  prefix(batch: RedisLaneWaiter[]): RedisLaneWaiter[] {
    const share = this.localShare();
    let k = 0;
    while (k < batch.length && share.take(share.tokensOf(batch[k]!.tokens))) k++;
    if (k === 0) waitLocal(this.waiters, share, this.owner, this.clock);
    return batch.slice(0, k);
  }

  /**
   * A call in shared mode drained the key for link epoch `epoch`: local admissions and a restarted
   * (full) key can no longer add up with shared ones, and the share is dropped.
   */
  drained(epoch: number): void {
    this.epoch = epoch;
    this.share = undefined;
  }

  /** Grace period: gives the share, if any, back the tokens of `batch[from..]` (Redis refused them, or failed). */
  refund(batch: readonly RedisLaneWaiter[], from: number): void {
    const share = this.share;
    if (share !== undefined) for (let i = from; i < batch.length; i++) share.refund(share.tokensOf(batch[i]!.tokens));
  }

  /** Grace period, with lanes: as {@link refund}, for the waiters of `batch` whose bit in `mask` is clear. */
  refundRefused(batch: readonly RedisLaneWaiter[], mask: number): void {
    const share = this.share;
    if (share !== undefined)
      for (let i = 0; i < batch.length; i++)
        if ((mask & (1 << i)) === 0) share.refund(share.tokensOf(batch[i]!.tokens));
  }

  private localShare(): LocalShare {
    return (this.share ??= new LocalShare(shareSpec(this.host.spec(), this.deps.expectedReplicas), this.clock));
  }
}
