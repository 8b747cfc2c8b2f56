import type { StateOwner } from '../../core/store/store.js';
import { SLIDING_WINDOW_SCRIPT } from './sliding-window-script.js';
import type { RedisSlidingWindowDeps, SlidingWindowReply, WindowLimits } from './redis-sliding-window.types.js';

/**
 * Script-call plumbing of a `RedisSlidingWindow`: runs `SLIDING_WINDOW_SCRIPT` operations on the
 * limiter's key with the window it enforces now (`limit`, and `windowMs + marginMs` as the span).
 * Every call rejects with `StoreUnavailableError` when the store is down.
 * @internal
 */
export class SlidingWindowScriptCall {
  constructor(
    private readonly owner: StateOwner,
    private readonly deps: RedisSlidingWindowDeps,
    private readonly limits: WindowLimits,
  ) {}

  /**
   * Op `a`: counts `carry` tokens as admitted now, then admits a FIFO prefix of `tokens` (none
   * for a pause-only call). `pauseMs` > 0 pauses the window that long, < 0 ends a pause.
   */
  admit(tokens: readonly number[], carry = 0, pauseMs = 0): Promise<SlidingWindowReply> {
    const l = this.limits;
    return this.run([l.limit, l.windowMs + l.marginMs, pauseMs, 'a', carry, tokens.length, ...tokens]);
  }

  /** Op `r`: takes `tokens` off the window (from its oldest entries). */
  refund(tokens: number): Promise<SlidingWindowReply> {
    const l = this.limits;
    return this.run([l.limit, l.windowMs + l.marginMs, 0, 'r', tokens]);
  }

  /** Op `m`: moves `tokens` of entry `entry` to now (admissions whose requests left later than stamped). */
  move(tokens: number, entry: number): Promise<SlidingWindowReply> {
    const l = this.limits;
    return this.run([l.limit, l.windowMs + l.marginMs, 0, 'm', tokens, entry]);
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
