import type { Clock } from '../clock.js';
import { CircuitBreakerOpenError } from '../errors/index.js';
import type {
  CircuitBreakerSnapshot,
  CircuitState,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';
import { OutcomeWindow } from './outcome-window.js';
import { breakerSnapshot } from './breaker-snapshot.js';
import type { HeldBreakerState } from './held-breaker-state.js';
import type { StateOwner } from './store.js';

/**
 * What the two breaker backends (`MemoryBreaker`, `RedisBreaker`) keep and do alike in this
 * process: the counters of their snapshots (`successes`, `failures`, `rejections`: this
 * process's), the failure-rate window (allocated on first use, so an idle closed breaker holds
 * none), refusals with `CircuitBreakerOpenError`, and the snapshot assembled from these and the
 * state the backend holds. Each subclass keeps its own state machine.
 * @internal
 */
export abstract class BreakerBackendBase {
  protected successes = 0;
  protected failures = 0;
  protected rejections = 0;
  /** The rate-mode outcome window, once a closed-state outcome was recorded in rate mode. */
  protected window: OutcomeWindow | undefined;

  protected constructor(
    protected readonly owner: StateOwner,
    protected readonly options: NormalizedCircuitBreakerOptions,
    protected readonly clock: Clock,
  ) {}

  /** Counts a refused call and throws its `CircuitBreakerOpenError` (`waitMs` until a call may be admitted). */
  protected refuse(waitMs: number, state: 'open' | 'half_open'): never {
    this.rejections++;
    throw new CircuitBreakerOpenError(this.owner.policy, waitMs, state, this.owner.partitionKey);
  }

  /**
   * Records one closed-state outcome in the rate window (failure-rate mode).
   * @returns true when the window holds at least `minimumCalls` calls and its failure rate (or,
   *   when slow calls are tracked, its slow-call rate) reaches its threshold: the breaker trips
   */
  protected recordRate(now: number, failed: boolean, slow: boolean): boolean {
    const o = this.options;
    const w = (this.window ??= new OutcomeWindow(o.slidingWindow));
    w.add(now, failed, slow);
    if (w.calls(now) < o.minimumCalls) return false;
    return (
      w.failureRate(now) >= o.failureRateThreshold ||
      (o.slowCallDurationMs !== Infinity && w.slowRate(now) >= o.slowCallRateThreshold)
    );
  }

  /**
   * The snapshot of a backend whose effective state is `state` and which holds `held`: while
   * open, `retryAfterMs` is the time left until `held.openUntil` (`recoveryTimeMs` when forced),
   * else 0. `consecutive` and `history` are the backend's (local or shared).
   */
  protected snapshotOf(
    state: CircuitState,
    held: Omit<HeldBreakerState, 'state'>,
    consecutive: number,
    history: readonly CircuitStateChange[] | undefined,
    now: number,
  ): CircuitBreakerSnapshot {
    const retryAfterMs =
      state !== 'open' ? 0 : held.forced ? this.options.recoveryTimeMs : Math.max(0, held.openUntil - now);
    const input = {
      state,
      disabled: held.disabled,
      forcedOpen: held.forced,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      consecutive,
      retryAfterMs,
      openedAt: held.openedAt,
      window: this.window,
      history,
    };
    return breakerSnapshot(this.owner, this.options, input, now);
  }
}
