import type { Clock } from '../clock.js';
import { ADMIT_LATER, PERMIT_NORMAL, PERMIT_TRIAL, type BreakerBackend, type StateOwner } from './store.js';
import type {
  CircuitBreakerSnapshot,
  CircuitState,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';
import { recordStateChange } from './state-history.js';
import { CLOSED, HALF_OPEN, OPEN, STATES } from './breaker-state.js';
import { BreakerBackendBase } from './breaker-backend-base.js';
import type { HeldBreakerState } from './held-breaker-state.js';

/**
 * In-process state machine of one breaker (or partition).
 *
 * - No timers: the open → half-open transition happens lazily, on the first admission after
 *   `recoveryTimeMs`, and {@link state} reports the effective state without a call.
 * - Half-open admission is exact: a counter of trial calls in flight, checked and incremented
 *   synchronously, so 1,000 concurrent callers get exactly `halfOpenMaxCalls` trials.
 * - An idle closed breaker holds a handful of numbers; the rate window is allocated on first use.
 * - Counters, refusals, the rate window and snapshots are shared with `RedisBreaker`
 *   (`BreakerBackendBase`); the state machine is this class's.
 * @publicApi
 */
export class MemoryBreaker extends BreakerBackendBase implements BreakerBackend {
  private st = CLOSED;
  private openedAt = -1;
  /** Clock time the open state ends (trials may start); `openedAt + recoveryTimeMs` unless seeded. */
  private openUntil = -1;
  private consecutive = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private disabled = false;
  private forced = false;
  private history: CircuitStateChange[] | undefined;

  constructor(owner: StateOwner, options: NormalizedCircuitBreakerOptions, clock: Clock) {
    super(owner, options, clock);
  }

  admit(): number {
    const st = this.st;
    if (st === CLOSED) return PERMIT_NORMAL;
    if (this.disabled) return PERMIT_NORMAL;
    if (st === OPEN) {
      if (this.forced) this.refuse(this.options.recoveryTimeMs, 'open');
      const now = this.clock.now();
      const wait = this.openUntil - now;
      if (wait > 0) this.refuse(wait, 'open');
      this.transition(HALF_OPEN, now);
    }
    // Half-open: exact admission of trial calls.
    if (this.trialsInFlight < this.options.halfOpenMaxCalls) {
      this.trialsInFlight++;
      return PERMIT_TRIAL;
    }
    return this.refuse(0, 'half_open');
  }

  precheck(): number {
    const st = this.st;
    if (st === CLOSED || this.disabled) return PERMIT_NORMAL;
    if (st === OPEN) {
      const wait = this.forced ? this.options.recoveryTimeMs : this.openUntil - this.clock.now();
      if (this.forced || wait > 0) this.refuse(wait, 'open');
      return ADMIT_LATER;
    }
    if (this.trialsInFlight < this.options.halfOpenMaxCalls) return ADMIT_LATER;
    return this.refuse(0, 'half_open');
  }

  onSuccess(permit: number, durationMs: number): void {
    if (this.disabled) return this.onIgnored(permit);
    this.successes++;
    const slow = durationMs >= this.options.slowCallDurationMs;
    if (permit === PERMIT_TRIAL) {
      this.endTrial();
      if (this.st !== HALF_OPEN) return;
      if (slow) {
        this.open(this.clock.now());
        return;
      }
      if (++this.trialSuccesses >= this.options.successThreshold) this.close(this.clock.now());
      return;
    }
    if (this.st !== CLOSED) return;
    if (this.options.mode === 'consecutive') {
      if (slow) this.countConsecutiveFailure();
      else this.consecutive = 0;
    } else {
      this.record(false, slow);
    }
  }

  onFailure(permit: number, durationMs: number): void {
    if (this.disabled) return this.onIgnored(permit);
    this.failures++;
    if (permit === PERMIT_TRIAL) {
      this.endTrial();
      // A trial failure re-opens for a full recovery time.
      if (this.st === HALF_OPEN) this.open(this.clock.now());
      return;
    }
    if (this.st !== CLOSED) return;
    if (this.options.mode === 'consecutive') this.countConsecutiveFailure();
    else this.record(true, durationMs >= this.options.slowCallDurationMs);
  }

  onIgnored(permit: number): void {
    // An excluded error (or a call that never ran) releases its trial slot and counts nothing.
    if (permit === PERMIT_TRIAL) this.endTrial();
  }

  state(): CircuitState {
    const st = this.st;
    if (st === OPEN && !this.forced && this.clock.now() >= this.openUntil) return 'half_open';
    return STATES[st]!;
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state();
    return this.snapshotOf(state, this.held(), this.consecutive, this.history, this.clock.now());
  }

  // forceOpen / reset / disable keep trialsInFlight (see close()): a trial still running
  // releases its own slot when it ends, so no later half-open period over-admits.
  forceOpen(): void {
    this.disabled = false;
    this.forced = true;
    this.open(this.clock.now());
  }

  reset(): void {
    this.disabled = false;
    this.forced = false;
    this.close(this.clock.now());
  }

  disable(): void {
    this.forced = false;
    this.disabled = true;
    this.close(this.clock.now());
  }

  /** The state this breaker is in, for {@link seed} elsewhere (`state` is the stored one, not the effective one). */
  held(): HeldBreakerState {
    return {
      state: STATES[this.st]!,
      openedAt: this.openedAt,
      openUntil: this.openUntil,
      forced: this.forced,
      disabled: this.disabled,
    };
  }

  /**
   * Puts the breaker in `held` without reporting a state change (it continues a chain another
   * backend reported, e.g. a shared breaker whose store went down): open with the same
   * `openedAt`, refusing until `openUntil`. Counts and the rate window start afresh; trials
   * in flight keep their slots until they end.
   */
  seed(held: HeldBreakerState): void {
    this.st = STATES.indexOf(held.state);
    this.openedAt = held.openedAt;
    this.openUntil = held.openUntil;
    this.forced = held.forced;
    this.disabled = held.disabled;
    this.consecutive = 0;
    this.trialSuccesses = 0;
    this.window?.clear();
  }

  isIdle(): boolean {
    return (
      this.st === CLOSED &&
      !this.disabled &&
      this.consecutive === 0 &&
      this.trialsInFlight === 0 &&
      (this.window === undefined || this.window.isEmpty(this.clock.now()))
    );
  }

  private endTrial(): void {
    if (this.trialsInFlight > 0) this.trialsInFlight--;
  }

  private countConsecutiveFailure(): void {
    if (++this.consecutive >= this.options.failureThreshold) this.open(this.clock.now());
  }

  private record(failed: boolean, slow: boolean): void {
    const now = this.clock.now();
    if (this.recordRate(now, failed, slow)) this.open(now);
  }

  private open(now: number): void {
    this.openedAt = now;
    this.openUntil = now + this.options.recoveryTimeMs;
    this.trialSuccesses = 0;
    this.consecutive = 0;
    this.window?.clear();
    this.transition(OPEN, now);
  }

  private close(now: number): void {
    // trialsInFlight is not cleared: trials still running end later and release their slot,
    // so they cannot make a later half-open period admit more than halfOpenMaxCalls.
    this.consecutive = 0;
    this.trialSuccesses = 0;
    this.window?.clear();
    this.transition(CLOSED, now);
  }

  private transition(to: number, at: number): void {
    const from = this.st;
    this.st = to;
    if (from === to) return;
    this.history = recordStateChange(this.history, this.owner, this.options, STATES[from]!, STATES[to]!, at);
  }
}
