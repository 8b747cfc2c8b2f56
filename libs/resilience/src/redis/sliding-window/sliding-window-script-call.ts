import type { LanePlan } from '../../core/lanes/lane-plan.js';
import type { StateOwner } from '../../core/store/store.js';
import type { RedisLaneWaiter } from '../bucket/bucket-lanes.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window-script.js';
import { SLIDING_WINDOW_LANE_SCRIPT } from './sliding-window-lane-script.js';
import { WindowLaneArgs } from './sliding-window-lanes.js';
import type { RedisSlidingWindowDeps, SlidingWindowReply, WindowLimits } from './redis-sliding-window.types.js';

/**
 * Script-call plumbing of a `RedisSlidingWindow`: runs `SLIDING_WINDOW_SCRIPT` operations on the
 * limiter's key with the window it enforces now (`limit`, and `windowMs + marginMs` as the span);
 * with lanes, every operation runs `SLIDING_WINDOW_LANE_SCRIPT` instead (same key, lane fields
 * kept). Every call rejects with `StoreUnavailableError` when the store is down.
 * @internal
 */
export class SlidingWindowScriptCall {
  /** The lanes' script arguments; `undefined` without lanes. */
  readonly lanes: WindowLaneArgs | undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly deps: RedisSlidingWindowDeps,
    private readonly limits: WindowLimits,
    plan?: LanePlan,
  ) {
    this.lanes = plan === undefined ? undefined : new WindowLaneArgs(plan, limits);
  }

  /**
   * Op `a`: counts `carry` tokens as admitted now (in lane `carryLane`, −1: none), then admits a
   * FIFO prefix of `tokens` (none for a pause-only call). `pauseMs` > 0 pauses the window that
   * long, < 0 ends a pause. With lanes `tokens` must be empty (see {@link admitLanes}).
   */
  admit(tokens: readonly number[], carry = 0, pauseMs = 0, carryLane = -1): Promise<SlidingWindowReply> {
    const l = this.limits;
    if (this.lanes !== undefined) return this.runLanes(pauseMs, 'a', [carry, carryLane, 0]);
    return this.run([l.limit, l.windowMs + l.marginMs, pauseMs, 'a', carry, tokens.length, ...tokens]);
  }

  /** Op `a` with lanes: admits from `batch` (in admission order; rank 0 once aged at `now`). */
  admitLanes(batch: readonly RedisLaneWaiter[], carry: number, now: number): Promise<unknown> {
    const args = [carry, -1, batch.length];
    const aging = this.lanes!.plan.agingMs;
    for (const w of batch) args.push(w.tokens, w.lane, now - w.enqueuedAt >= aging ? 0 : w.lane);
    return this.runLanes(0, 'a', args);
  }

  /** Op `r`: takes `tokens` off the window (from its oldest entries; with lanes, lane `lane`'s too). */
  refund(tokens: number, lane = 0): Promise<SlidingWindowReply> {
    const l = this.limits;
    if (this.lanes !== undefined) return this.runLanes(0, 'r', [tokens, lane]);
    return this.run([l.limit, l.windowMs + l.marginMs, 0, 'r', tokens]);
  }

  /**
   * Op `m`: moves `tokens` of entry `entry` to now (admissions whose requests left later than
   * stamped); with lanes, `byLane[r]` of them are lane r's.
   */
  move(tokens: number, entry: number, byLane?: readonly number[]): Promise<SlidingWindowReply> {
    const l = this.limits;
    if (this.lanes !== undefined) return this.runLanes(0, 'm', [tokens, entry, ...(byLane ?? [])]);
    return this.run([l.limit, l.windowMs + l.marginMs, 0, 'm', tokens, entry]);
  }

  private runLanes(pauseMs: number, op: string, rest: number[]): Promise<SlidingWindowReply> {
    const l = this.limits;
    const args = [l.limit, l.windowMs + l.marginMs, pauseMs, op, ...this.lanes!.head(), ...rest];
    return this.deps.link.run(
      SLIDING_WINDOW_LANE_SCRIPT,
      this.deps.key,
      args,
      this.owner.policy,
    ) as Promise<SlidingWindowReply>;
  }

  private run(args: (number | string)[]): Promise<SlidingWindowReply> {
    return this.deps.link.run(
      SLIDING_WINDOW_SCRIPT,
      this.deps.key,
      args,
      this.owner.policy,
    ) as Promise<SlidingWindowReply>;
  }
}
