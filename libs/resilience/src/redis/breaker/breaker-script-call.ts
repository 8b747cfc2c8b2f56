import type { Clock } from '../../core/clock.js';
import type { NormalizedCircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.options.js';
import type { StateOwner } from '../../core/store/store.js';
import { BREAKER_SCRIPT } from './breaker-script.js';
import type { BreakerReply, RedisBreakerDeps } from './redis-breaker.types.js';
import type { SharedBreakerState } from './shared-breaker-state.js';

/** Permits below this come from the local fallback breaker (0 normal, 1 trial). */
export const REDIS_NORMAL = 2;
/** Trial permits are `REDIS_TRIAL + epoch`, so a late outcome of an earlier half-open period counts nothing. */
export const REDIS_TRIAL = 3;

/**
 * Script-call plumbing of a {@link RedisBreaker}: sends `BREAKER_SCRIPT` operations with the
 * breaker's settings, numbers each call so its reply is applied in order to the shared view
 * (unless the fallback holds the state), and re-reads the shared state in the background
 * (one read in flight at most).
 */
export class BreakerScriptCall {
  /** True while a background read is in flight. */
  refreshing = false;
  private readonly ignore = () => undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
    private readonly deps: RedisBreakerDeps,
    private readonly view: SharedBreakerState,
    /** True while the fail-open fallback decides (replies are then not applied). */
    private readonly onFallback: () => boolean,
  ) {}

  /** Re-reads the shared state in the background (one read in flight at most). */
  refresh(): void {
    if (this.refreshing || !this.deps.link.up) return;
    this.refreshing = true;
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    this.send('read', 0, false).then(
      (reply) => {
        this.refreshing = false;
        this.applyReply(reply, seq, sentAt);
      },
      () => {
        this.refreshing = false;
      },
    );
  }

  /** Applies a script reply to the view, unless the fallback decides (it holds the state until resume). */
  applyReply(reply: BreakerReply, seq: number, sentAt: number): void {
    if (!this.onFallback()) this.view.apply(reply, seq, sentAt);
  }

  /** Runs one script operation; rejects with `StoreUnavailableError` when the store is down. */
  send(op: string, epoch: number, slow: boolean): Promise<BreakerReply> {
    const o = this.options;
    const lease = Math.max(o.recoveryTimeMs, 10_000);
    return this.deps.link.run(
      BREAKER_SCRIPT,
      this.deps.key,
      [op, o.failureThreshold, o.recoveryTimeMs, o.halfOpenMaxCalls, o.successThreshold, epoch, slow ? 1 : 0, lease],
      this.owner.policy,
    ) as Promise<BreakerReply>;
  }

  /** Fire and forget: the reply refreshes the cache; a failure already marked the store down. */
  fire(op: string, epoch: number, slow: boolean): void {
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    this.send(op, epoch, slow).then((reply) => this.applyReply(reply, seq, sentAt), this.ignore);
  }
}
