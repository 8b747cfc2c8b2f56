import type { Clock } from '../core/clock.js';
import { RateLimiterRejectedError } from '../core/errors/index.js';
import type { Waiter } from '../core/store/wait-queue.js';
import type { StateOwner } from '../core/store/store.js';

// The one FIFO queue of a Redis-backed limiter (`RedisBucket`, `RedisSlidingWindow`), whatever
// the source of its tokens: what both do with it when Redis answers and when a local source admits.

/** A caller waiting in a Redis-backed limiter's queue. @internal */
export interface LocalWaiter extends Waiter {
  /** Local time past which the caller must not be kept waiting (`maxWaitMs` after it queued). */
  readonly deadline: number;
}

/** What these helpers use of a queue (`WaitQueue`, `LaneWaitQueue`: the next waiter by priority). @internal */
export interface LocalQueue {
  readonly empty: boolean;
  readonly armed: boolean;
  peek(): LocalWaiter | undefined;
  shift(): LocalWaiter | undefined;
  compact(): void;
  arm(ms: number): void;
  armFor(ms: number): void;
}

/** A local token source (`LocalShare`, `LocalWindow`). @internal */
export interface LocalSource {
  /** A caller's tokens as the source counts them. */
  tokensOf(tokens: number): number;
  /** Takes `tokens` now if they are there. */
  take(tokens: number): boolean;
  /** Milliseconds until `tokens` are there. */
  waitFor(tokens: number): number;
}

/**
 * Redis down, fail-open: `source` admits the head of `q` while it has tokens (at most `max`
 * per call: the rest go with the timer's next turn), then {@link waitLocal}. @internal
 */
export function drainLocal(q: LocalQueue, source: LocalSource, owner: StateOwner, clock: Clock, max = Infinity): void {
  let n = 0;
  for (let w = q.peek(); w !== undefined && source.take(source.tokensOf(w.tokens)); w = q.peek()) {
    q.shift();
    w.resolve();
    if (++n >= max && !q.empty) {
      q.compact();
      if (!q.armed) q.arm(0);
      return;
    }
  }
  q.compact();
  waitLocal(q, source, owner, clock);
}

/** Arms `q`'s timer for when `source` has the head's tokens; heads whose deadline falls before fail. @internal */
export function waitLocal(q: LocalQueue, source: LocalSource, owner: StateOwner, clock: Clock): void {
  const now = clock.now();
  for (let w = q.peek(); w !== undefined; w = q.peek()) {
    const wait = source.waitFor(source.tokensOf(w.tokens));
    if (now + wait <= w.deadline) {
      if (!q.armed) q.armFor(wait);
      return;
    }
    q.shift();
    w.reject(new RateLimiterRejectedError(owner.policy, wait, w.tokens, owner.partitionKey));
  }
  q.compact();
}

/**
 * A script call for `batch` (a FIFO prefix of `q`) answered: its first `admitted` waiters are
 * admitted (one aborted meanwhile keeps its tokens counted: conservative); those not admitted
 * wait at least `wait` ms (exactly, for the first; as a lower bound for those needing as many
 * tokens), and those whose deadline falls before fail with `RateLimiterRejectedError`.
 * @returns -1 when nobody waits any more, 0 when the head must ask again at once, else the
 *   milliseconds after which it asks (the caller arms the timer)
 * @internal
 */
export function settleReply(
  q: LocalQueue,
  batch: readonly LocalWaiter[],
  admitted: number,
  wait: number,
  owner: StateOwner,
  clock: Clock,
): number {
  for (let i = 0; i < admitted; i++) {
    const w = batch[i]!;
    if (w.done) continue; // aborted while in flight: its tokens stay counted
    q.shift(); // `w` is the head: only aborts and pushes at the tail changed the queue meanwhile
    w.resolve();
  }
  q.compact();
  const now = clock.now();
  const first = admitted < batch.length ? batch[admitted] : undefined;
  let asked = false;
  for (let w = q.peek(); w !== undefined && first !== undefined; w = q.peek()) {
    const i = batch.indexOf(w);
    if (i < admitted || (w !== first && w.tokens < first.tokens)) break; // needs its own answer
    asked = true;
    if (now + wait <= w.deadline) break;
    q.shift();
    w.reject(new RateLimiterRejectedError(owner.policy, wait, w.tokens, owner.partitionKey));
    asked = false;
  }
  q.compact();
  if (q.empty) return -1;
  return asked ? Math.max(1, Math.ceil(wait)) : 0;
}
