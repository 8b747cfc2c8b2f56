import type { Clock } from '../../core/clock.js';
import type {
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from '../../core/circuit-breaker/circuit-breaker.options.js';
import { recordStateChange } from '../../core/store/state-history.js';
import type { HeldBreakerState } from '../../core/store/held-breaker-state.js';
import type { StateOwner } from '../../core/store/store.js';
import { CLOSED, OPEN, STATES } from '../../core/store/breaker-state.js';
import type { BreakerReply } from './redis-breaker.types.js';

/**
 * What one process knows of a shared breaker: the state it applies, in order.
 *
 * - Every script call gets a sequence number ({@link nextSeq}). A reply is applied only if it
 *   was sent after this process's last own transition ({@link transitionHere}) and its Redis
 *   epoch is not older than the one applied (epochs grow on every open and close, see
 *   `BREAKER_SCRIPT`; epoch 0, a breaker without a key, is taken in send order). So a late
 *   reply never brings back an older state.
 * - Once open here, the state stays open until `openUntil` (at least `recoveryTimeMs` after the
 *   reported opening) whatever a reply says, unless the reply reports a manual transition
 *   (`reset`, `disable`) newer than the opening (its epoch above {@link openEpoch}: the hash's
 *   manual flag stays set until the next transition, so a reset made before this process
 *   opened must not end the opening): every open period it reports lasts at least
 *   `recoveryTimeMs`.
 * - An opening learnt from Redis is reported as of when it happened in Redis (the reply's
 *   remaining time tells), never before the previous change.
 * @internal
 */
export class SharedBreakerState {
  st = CLOSED;
  /** Local time until which the state stays open (refusing calls). */
  openUntil = 0;
  /** Redis epoch of the state applied last. */
  epoch = 0;
  consecutive = 0;
  forced = false;
  disabled = false;
  /** Local time the read behind the applied state was sent (`-Infinity`: nothing applied). */
  fetchedAt = -Infinity;
  /** The Redis epoch known when the open state held here began (a manual closing must be newer). */
  openEpoch = 0;
  /** Shared opening time (local clock), -1 if never opened. */
  openedAt = -1;
  history: CircuitStateChange[] | undefined;
  private seq = 0;
  private appliedSeq = 0;
  private localSeq = 0;
  private lastEventAt = -Infinity;

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
    /** Runs when the state becomes closed (the rate window starts afresh). */
    private readonly onClosed: () => void,
  ) {}

  /** The sequence number of a script call about to be sent. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** True while this process refuses calls because the breaker is open. */
  refusing(now: number): boolean {
    return this.st === OPEN && (this.forced || now < this.openUntil);
  }

  /**
   * A transition this process makes itself (its own failures open the breaker at once, as the
   * in-memory breaker would; manual control). Replies to calls sent before it are ignored from
   * now on: the reply of the call that reports it brings the shared state.
   */
  transitionHere(st: number, forced: boolean, disabled: boolean): void {
    const now = this.clock.now();
    this.localSeq = this.seq;
    this.consecutive = 0;
    this.forced = forced;
    this.disabled = disabled;
    if (st === OPEN && this.st !== OPEN) {
      this.openEpoch = this.epoch;
      this.openedAt = now;
      this.openUntil = now + this.options.recoveryTimeMs;
    }
    this.enter(st, now);
  }

  /** Applies the reply to script call `seq`, sent at `sentAt`, unless it is older than what is known. */
  apply(reply: BreakerReply, seq: number, sentAt: number): void {
    if (seq <= this.localSeq) return;
    const epoch = Number(reply[3]);
    const older = seq < this.appliedSeq;
    if (epoch < this.epoch ? epoch !== 0 || older : epoch === this.epoch && older) return;
    this.epoch = epoch;
    if (seq > this.appliedSeq) this.appliedSeq = seq;
    if (sentAt > this.fetchedAt) this.fetchedAt = sentAt;
    this.consecutive = Number(reply[4]);
    const st = Number(reply[1]);
    const disabled = Number(reply[6]) === 1;
    const now = this.clock.now();
    // Open here: kept until its recovery time is up, unless a manual transition made after the
    // opening ended it (a reply of the epoch the opening knew may carry an older reset's flag).
    const manualSince = Number(reply[7]) === 1 && epoch > this.openEpoch;
    if (st !== OPEN && this.refusing(now) && !this.forced && !disabled && !manualSince) return;
    this.forced = Number(reply[5]) === 1;
    this.disabled = disabled;
    if (st !== OPEN) {
      this.enter(st, now);
      return;
    }
    const until = now + Number(reply[2]);
    if (this.st === OPEN) {
      if (until > this.openUntil) this.openUntil = until;
      return;
    }
    const recovery = this.options.recoveryTimeMs;
    this.openEpoch = epoch;
    this.openedAt = until - recovery;
    const at = Math.min(now, Math.max(this.openedAt, this.lastEventAt));
    this.openUntil = Math.max(until, at + recovery);
    this.enter(OPEN, at);
  }

  /** What this process holds, to seed the fail-open fallback with when the store goes down. */
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
   * Takes over the state the fallback reported last, when shared mode resumes, without a
   * state change of its own (the chain goes on from the fallback's last event). Replies to
   * calls sent before are ignored, and the closed-state cache starts cold: the next closed
   * admission asks Redis. An open state keeps refusing until `held.openUntil`.
   */
  adopt(held: HeldBreakerState): void {
    this.localSeq = this.seq;
    this.fetchedAt = -Infinity;
    this.consecutive = 0;
    this.st = STATES.indexOf(held.state);
    if (this.st === OPEN) this.openEpoch = this.epoch;
    this.openedAt = held.openedAt;
    this.openUntil = held.openUntil;
    this.forced = held.forced;
    this.disabled = held.disabled;
    if (this.st === CLOSED) this.onClosed();
  }

  /** Reports a change the fallback made (same history and listener, so the chain stays one). */
  relay(change: CircuitStateChange): void {
    this.lastEventAt = change.at;
    this.history = recordStateChange(this.history, this.owner, this.options, change.from, change.to, change.at);
  }

  /** Moves to `st`, reporting the change as made at `at`. */
  private enter(st: number, at: number): void {
    const from = this.st;
    if (st === from) return;
    this.st = st;
    if (st === CLOSED) this.onClosed();
    this.lastEventAt = at;
    this.history = recordStateChange(this.history, this.owner, this.options, STATES[from]!, STATES[st]!, at);
  }
}
