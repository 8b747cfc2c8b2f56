import type { Clock } from '../../core/clock.js';
import type {
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../../core/circuit-breaker/circuit-breaker.options.js';
import { MemoryBreaker } from '../../core/store/memory-breaker.js';
import type { HeldBreakerState } from '../../core/store/held-breaker-state.js';
import { PERMIT_NORMAL, type StateOwner } from '../../core/store/store.js';
import { REDIS_NORMAL, REDIS_TRIAL } from './breaker-script-call.js';
import type { RedisBreakerDeps } from './redis-breaker.types.js';
import { StoreUnavailableError } from '../../core/errors/index.js';
import type { SharedBreakerState } from './shared-breaker-state.js';

/** A manual action taken while the fallback decides, pushed to Redis on resume. */
type ManualAction = 'force' | 'reset' | 'disable';

/**
 * Fail-open fallback of a {@link RedisBreaker} while Redis is down: a local `MemoryBreaker`
 * seeded from the shared view on the switch (no event: the chain goes on from the last one
 * reported), whose own changes are relayed to the view's history and listener; outcomes and
 * manual actions taken during the outage; and the hand-back to the view when shared mode
 * resumes. `fail-closed` never switches: it rejects with `StoreUnavailableError`.
 */
export class BreakerFallback {
  private breaker: MemoryBreaker | undefined;
  /** True from the switch to the fallback until shared mode resumes (see {@link resume}). */
  active = false;
  /** What the fallback was seeded with, and the manual action taken during the outage. */
  private seeded: HeldBreakerState | undefined;
  private manualWhileDown: ManualAction | undefined;
  private readonly relay = (change: CircuitStateChange) => {
    if (this.active) this.view.relay(change);
  };

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
    private readonly deps: RedisBreakerDeps,
    private readonly view: SharedBreakerState,
    /** Sends a state operation to Redis (fire and forget). */
    private readonly fire: (op: string) => void,
  ) {}

  /** The fallback breaker; only while {@link active}. */
  get memory(): MemoryBreaker {
    return this.breaker!;
  }

  /**
   * The fail-open fallback; on the switch to it, seeded with the state held here (no event:
   * the chain goes on from the last one reported). Its own changes are relayed to the view's
   * history and listener.
   */
  enter(): MemoryBreaker {
    if (this.deps.onStoreError === 'fail-closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    const fb = (this.breaker ??= new MemoryBreaker(
      this.owner,
      { ...this.options, historySize: 0, onStateChange: this.relay },
      this.clock,
    ));
    if (!this.active) {
      this.active = true;
      this.manualWhileDown = undefined;
      fb.seed((this.seeded = this.view.held()));
    }
    return fb;
  }

  /**
   * Routes an outcome the shared breaker must not count: a permit of the fallback (counted
   * there while it decides, ignored there once shared mode resumed), or a call admitted by
   * Redis that ended while the fallback decides (counts there; a trial counts nothing).
   * Returns false when the outcome is the shared breaker's.
   */
  settle(permit: number, durationMs: number, failed: boolean): boolean {
    if (permit < REDIS_NORMAL) {
      if (!this.active)
        this.breaker?.onIgnored(permit); // shared mode resumed: the fallback reports nothing more
      else if (failed) this.breaker!.onFailure(permit, durationMs);
      else this.breaker!.onSuccess(permit, durationMs);
      return true;
    }
    if (!this.active) return false;
    if (permit < REDIS_TRIAL) {
      if (failed) this.breaker!.onFailure(PERMIT_NORMAL, durationMs);
      else this.breaker!.onSuccess(PERMIT_NORMAL, durationMs);
    }
    return true;
  }

  /** An ignored outcome of a fallback permit. */
  ignore(permit: number): void {
    this.breaker?.onIgnored(permit);
  }

  /** True when no fallback was made, or it holds nothing. */
  isIdle(): boolean {
    return this.breaker === undefined || this.breaker.isIdle();
  }

  /** A manual action while the fallback decides: taken by the fallback, pushed to Redis on resume. */
  whileDown(action: ManualAction): boolean {
    if (!this.active && !this.deps.link.up && this.deps.onStoreError === 'fail-open') this.enter();
    if (!this.active) return false;
    if (this.deps.link.up) {
      this.resume();
      return false;
    }
    this.manualWhileDown = action;
    return true;
  }

  /**
   * Shared mode is back: the view takes over the fallback's state (no event) and Redis learns
   * what changed during the outage — a manual action, or an opening still in its recovery
   * time (so every process refuses, and a restarted Redis without the key does not close it).
   */
  resume(): void {
    this.active = false;
    const held = this.breaker!.held();
    this.view.adopt(held);
    if (this.manualWhileDown !== undefined) this.fire(this.manualWhileDown);
    else if (held.state === 'open' && held.openedAt !== this.seeded?.openedAt && this.clock.now() < held.openUntil)
      this.fire('open');
    this.manualWhileDown = undefined;
  }
}
