import type { Clock } from '../../core/clock.js';
import { LocalWindow, type LocalWindowSpec } from './local-window.js';
import type { StoreLink } from '../store-link.js';

/**
 * Where a `RedisSlidingWindow`'s admissions come from now: `shared` (Redis alone), `local`
 * (Redis down, fail-open: this process's {@link LocalWindow} alone), `closed` (down,
 * fail-closed) or `both` (Redis back, more than one replica: an admission must fit the local
 * window AND Redis).
 * @internal
 */
export type WindowSource = 'shared' | 'local' | 'closed' | 'both';

/**
 * The token source(s) of one `RedisSlidingWindow` and its local window (README, "Sliding-window
 * limiter", has the argument):
 *
 * - One replica (`expectedReplicas` 1): the local window MIRRORS every admission of this
 *   process (shared ones recorded when Redis answers), so while Redis is down it admits with
 *   exactly what this process admitted before; the first script call after a resume carries
 *   what it still counts into the shared log (a restarted Redis knew none of it; one that was
 *   only unreachable counts it twice for a while: stricter, never looser).
 * - N replicas: the local window (`limit / N`) is created when first needed while not in
 *   shared mode and **starts full** (the other replicas may have used the whole limit just
 *   before the outage). After a resume it stays a second constraint (`both`) until
 *   `graceMs + windowMs + safetyMarginMs` after it: by then every local admission of every
 *   replica (all resume within `graceMs`) has left the window, and Redis alone is exact again.
 * @internal
 */
export class SlidingWindowSwitch {
  private local: LocalWindow | undefined;
  /** The link epoch whose carry has been taken into the shared log (one replica). */
  private carried: number;
  private readonly mirror: boolean;

  constructor(
    private readonly link: StoreLink,
    private readonly clock: Clock,
    private readonly replicas: number,
    private readonly failOpen: boolean,
    private spec: LocalWindowSpec,
  ) {
    this.mirror = replicas === 1;
    this.carried = link.epoch;
    if (this.mirror) this.local = new LocalWindow(spec, clock);
  }

  /** The source(s) admissions take from now. */
  source(): WindowSource {
    const link = this.link;
    if (!link.up) return this.failOpen ? 'local' : 'closed';
    if (this.mirror) return 'shared';
    const resumedFor = performance.now() - link.resumedAt;
    const needed = !link.shared || resumedFor < link.graceMs + this.spec.windowMs + this.spec.safetyMarginMs;
    if (!needed) this.local = undefined;
    return needed ? 'both' : 'shared';
  }

  /** This process's local window (created full when needed, with more than one replica). */
  window(): LocalWindow {
    return (this.local ??= new LocalWindow(this.spec, this.clock, true));
  }

  /** The local window if there is one (without creating it). */
  get current(): LocalWindow | undefined {
    return this.local;
  }

  /** True when nothing local is left to count. */
  isIdle(): boolean {
    if (this.mirror) return this.local!.isEmpty();
    // Dropped once no longer needed; while down, an empty one may go too (a new one starts full).
    if (this.local !== undefined && this.link.up) this.source();
    return this.local === undefined || (!this.link.up && this.local.isEmpty());
  }

  /** Tokens admitted by Redis for this process (recorded by the one-replica mirror). */
  recordShared(tokens: number): void {
    if (this.mirror && tokens > 0) this.local!.record(tokens);
  }

  /**
   * What the next acquire call carries into the shared log, and the epoch it is for: the
   * mirror's count on the first call after a resume (one replica), else 0.
   */
  carry(): { tokens: number; epoch: number } {
    const epoch = this.link.epoch;
    if (!this.mirror || epoch === this.carried) return { tokens: 0, epoch };
    return { tokens: this.local!.counted(), epoch };
  }

  /** The call that carried for `epoch` was answered: Redis has the carry. */
  carriedFor(epoch: number): void {
    this.carried = epoch;
  }

  setSpec(spec: LocalWindowSpec): void {
    this.spec = spec;
    this.local?.setSpec(spec);
  }
}
