import type { Clock } from '../clock.js';
import { CircuitBreakerOpenError } from '../errors/errors.js';
import { ADMIT_LATER, PERMIT_NORMAL, PERMIT_TRIAL, type BreakerBackend, type StateOwner } from './store.js';
import type {
  CircuitBreakerSnapshot,
  CircuitState,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';
import { OutcomeWindow } from './outcome-window.js';
import { recordStateChange } from './state-history.js';
import { breakerSnapshot } from './breaker-snapshot.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/**
 * The state of a breaker backend, as handed from one backend to another (see {@link MemoryBreaker.seed}).
 * @internal
 */
export interface HeldBreakerState {
  /** The stored state (`open` even once `openUntil` passed: the change to half-open is not reported yet). */
  state: CircuitState;
  /** Clock time of the opening, -1 if never opened. */
  openedAt: number;
  /** Clock time until which an open breaker refuses calls. */
  openUntil: number;
  forced: boolean;
  disabled: boolean;
}

/**
 * In-process state machine of one breaker (or partition).
 *
 * - No timers: the open → half-open transition happens lazily, on the first admission after
 *   `recoveryTimeMs`, and {@link state} reports the effective state without a call.
 * - Half-open admission is exact: a counter of trial calls in flight, checked and incremented
 *   synchronously, so 1,000 concurrent callers get exactly `halfOpenMaxCalls` trials.
 * - An idle closed breaker holds a handful of numbers; the rate window is allocated on first use.
 */
export class MemoryBreaker implements BreakerBackend {
  private st = CLOSED;
  private openedAt = -1;
  /** Clock time the open state ends (trials may start); `openedAt + recoveryTimeMs` unless seeded. */
  private openUntil = -1;
  private consecutive = 0;
  private trialsInFlight = 0;
  private trialSuccesses = 0;
  private successes = 0;
  private failures = 0;
  private rejections = 0;
  private disabled = false;
  private forced = false;
  private window: OutcomeWindow | undefined;
  private history: CircuitStateChange[] | undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
  ) {}

  admit(): number {
    const st = this.st;
    if (st === CLOSED) return PERMIT_NORMAL;
    if (this.disabled) return PERMIT_NORMAL;
    if (st === OPEN) {
      if (this.forced) {
        this.rejections++;
        throw new CircuitBreakerOpenError(
          this.owner.policy,
          this.options.recoveryTimeMs,
          'open',
          this.owner.partitionKey,
        );
      }
      const now = this.clock.now();
      const wait = this.openUntil - now;
      if (wait > 0) {
        this.rejections++;
        throw new CircuitBreakerOpenError(this.owner.policy, wait, 'open', this.owner.partitionKey);
      }
      this.transition(HALF_OPEN, now);
    }
    // Half-open: exact admission of trial calls.
    if (this.trialsInFlight < this.options.halfOpenMaxCalls) {
      this.trialsInFlight++;
      return PERMIT_TRIAL;
    }
    this.rejections++;
    throw new CircuitBreakerOpenError(this.owner.policy, 0, 'half_open', this.owner.partitionKey);
  }

  precheck(): number {
    const st = this.st;
    if (st === CLOSED || this.disabled) return PERMIT_NORMAL;
    if (st === OPEN) {
      const wait = this.forced ? this.options.recoveryTimeMs : this.openUntil - this.clock.now();
      if (this.forced || wait > 0) {
        this.rejections++;
        throw new CircuitBreakerOpenError(this.owner.policy, wait, 'open', this.owner.partitionKey);
      }
      return ADMIT_LATER;
    }
    if (this.trialsInFlight < this.options.halfOpenMaxCalls) return ADMIT_LATER;
    this.rejections++;
    throw new CircuitBreakerOpenError(this.owner.policy, 0, 'half_open', this.owner.partitionKey);
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
    const input = {
      state,
      disabled: this.disabled,
      forcedOpen: this.forced,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      consecutive: this.consecutive,
      retryAfterMs: this.retryAfterMs(state),
      openedAt: this.openedAt,
      window: this.window,
      history: this.history,
    };
    return breakerSnapshot(this.owner, this.options, input, this.clock.now());
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

  private retryAfterMs(state: CircuitState): number {
    if (state !== 'open') return 0;
    if (this.forced) return this.options.recoveryTimeMs;
    return Math.max(0, this.openUntil - this.clock.now());
  }

  private endTrial(): void {
    if (this.trialsInFlight > 0) this.trialsInFlight--;
  }

  private countConsecutiveFailure(): void {
    if (++this.consecutive >= this.options.failureThreshold) this.open(this.clock.now());
  }

  private record(failed: boolean, slow: boolean): void {
    const o = this.options;
    const now = this.clock.now();
    const w = (this.window ??= new OutcomeWindow(o.slidingWindow));
    w.add(now, failed, slow);
    if (w.calls(now) < o.minimumCalls) return;
    if (
      w.failureRate(now) >= o.failureRateThreshold ||
      (o.slowCallDurationMs !== Infinity && w.slowRate(now) >= o.slowCallRateThreshold)
    )
      this.open(now);
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
