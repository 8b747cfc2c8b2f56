import type { Clock } from '../core/clock.js';
import { CircuitBreakerOpenError } from '../core/errors.js';
import type { CircuitBreakerSnapshot, CircuitState, CircuitStateChange, NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import { MemoryBreaker } from '../core/circuit-breaker/memory-breaker.js';
import { OutcomeWindow } from '../core/circuit-breaker/outcome-window.js';
import { recordStateChange } from '../core/circuit-breaker/state-history.js';
import { breakerSnapshot } from '../core/circuit-breaker/breaker-snapshot.js';
import type { BreakerBackend, StateOwner } from '../core/store.js';
import { BREAKER_SCRIPT } from './scripts.js';
import type { StoreLink } from './store-link.js';
import type { StoreErrorPolicy } from './redis-store.options.js';
import { StoreUnavailableError } from './store-errors.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/** Permits below this come from the local fallback breaker (0 normal, 1 trial). */
const REDIS_NORMAL = 2;
/** Trial permits are `REDIS_TRIAL + epoch`, so a late outcome of an earlier half-open period counts nothing. */
const REDIS_TRIAL = 3;

type Reply = [number, number, string, number, number, number, number];

/** Settings of a {@link RedisBreaker} shared by every breaker of one store. */
export interface RedisBreakerDeps {
  link: StoreLink;
  key: string;
  onStoreError: StoreErrorPolicy;
  /** Closed-state cache lifetime (ms). */
  syncMs: number;
}

/**
 * Circuit breaker whose state lives in Redis (see `BREAKER_SCRIPT`), shared by every process.
 *
 * - Transitions (open, half-open, close), consecutive-failure counts and half-open trial
 *   admission are atomic in Redis: exactly `halfOpenMaxCalls` trials run in the whole cluster.
 *   A trial slot whose process died is reclaimed after max(recoveryTime, 10 s).
 * - Closed-state cache: while the cached state is closed, `admit()` answers at once, with no
 *   round trip. Staleness bound: a call answered from the cache acts on shared state read
 *   less than `breakerSyncMs` before it (the age counts from when the read was sent); a
 *   cache that old is re-read before the call is decided. Under steady traffic the cache is
 *   re-read in the background once it is half that old, so no call waits. A process's own
 *   failures open it locally at once. Open-state rejections before the recovery time are
 *   answered from the cache too; trial admission always asks Redis. `breakerSyncMs: 0`
 *   turns the cache off (every admission asks Redis).
 * - Failure-rate mode: each process evaluates the rate over its own window; a trip opens the
 *   shared breaker for all.
 * - Counters in snapshots (`successes`, `failures`, `rejections`, `stateChanges`) are this
 *   process's; state, `failureCount` (consecutive mode) and `openedAt` are shared.
 * - Redis down: `fail-open` decides with a local `MemoryBreaker`; `fail-closed` rejects with
 *   `StoreUnavailableError`. Outcomes of calls admitted by Redis are dropped while it is down.
 */
export class RedisBreaker implements BreakerBackend {
  private st = CLOSED;
  private openUntil = 0;
  private epoch = 0;
  private consecutive = 0;
  private forced = false;
  private disabled = false;
  /** Local time the read behind the cached state was sent (`-Infinity`: nothing cached). */
  private fetchedAt = -Infinity;
  private refreshing = false;
  private successes = 0;
  private failures = 0;
  private rejections = 0;
  private openedAt = -1;
  private window: OutcomeWindow | undefined;
  private history: CircuitStateChange[] | undefined;
  private fallback: MemoryBreaker | undefined;
  private readonly ignore = () => undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
    private readonly deps: RedisBreakerDeps,
  ) {}

  admit(): number | Promise<number> {
    if (!this.deps.link.up) return this.degraded();
    const now = this.clock.now();
    const age = now - this.fetchedAt;
    // Nothing cached, or older than the staleness bound: decide in Redis.
    if (age >= this.deps.syncMs) return this.remoteAdmit();
    if (age >= this.deps.syncMs / 2) this.refresh();
    if (this.disabled || this.st === CLOSED) return REDIS_NORMAL;
    if (this.st === OPEN && (this.forced || now < this.openUntil)) {
      this.rejections++;
      throw new CircuitBreakerOpenError(this.owner.policy, this.forced ? this.options.recoveryTime : this.openUntil - now, 'open', this.owner.partitionKey);
    }
    return this.remoteAdmit();
  }

  /** Admission decided in Redis (half-open trials, recovery time reached, or a cold cache). */
  private remoteAdmit(): Promise<number> {
    const sentAt = this.clock.now();
    return this.send('admit', 0, false).then(
      (reply) => {
        this.update(reply, sentAt);
        const r = Number(reply[0]);
        if (r === 0) return REDIS_NORMAL;
        if (r === 1) return REDIS_TRIAL + this.epoch;
        this.rejections++;
        throw new CircuitBreakerOpenError(this.owner.policy, r === -1 ? (this.forced ? this.options.recoveryTime : Math.max(0, this.openUntil - this.clock.now())) : 0, r === -1 ? 'open' : 'half_open', this.owner.partitionKey);
      },
      (error: unknown) => {
        if (error instanceof StoreUnavailableError) return this.degraded();
        throw error;
      },
    );
  }

  onSuccess(permit: number, durationMs: number): void {
    if (permit < REDIS_NORMAL) {
      this.fallback?.onSuccess(permit, durationMs);
      return;
    }
    if (this.disabled) return;
    this.successes++;
    const slow = durationMs >= this.options.slowCallDurationMs;
    if (permit >= REDIS_TRIAL) {
      this.fire('succ', permit - REDIS_TRIAL, slow);
    } else if (this.options.mode === 'consecutive') {
      if (slow) this.fire('cfail', 0, false);
      else if (this.consecutive > 0) {
        this.consecutive = 0;
        this.fire('cok', 0, false);
      }
    } else {
      this.record(false, slow);
    }
  }

  onFailure(permit: number, durationMs: number): void {
    if (permit < REDIS_NORMAL) {
      this.fallback?.onFailure(permit, durationMs);
      return;
    }
    if (this.disabled) return;
    this.failures++;
    if (permit >= REDIS_TRIAL) {
      if (this.st === HALF_OPEN && permit - REDIS_TRIAL === this.epoch) this.openLocally();
      this.fire('fail', permit - REDIS_TRIAL, false);
    } else if (this.options.mode === 'consecutive') {
      if (this.st === CLOSED && ++this.consecutive >= this.options.failureThreshold) this.openLocally();
      this.fire('cfail', 0, false);
    } else {
      this.record(true, durationMs >= this.options.slowCallDurationMs);
    }
  }

  /**
   * This process's own failure opens the breaker: reflect it at once (as the in-memory breaker
   * would); the script's reply, a moment later, replaces the guess with the shared state.
   */
  private openLocally(): void {
    this.update([0, OPEN, String(this.options.recoveryTime), this.epoch + 1, 0, 0, 0]);
  }

  onIgnored(permit: number): void {
    if (permit < REDIS_NORMAL) this.fallback?.onIgnored(permit);
    else if (permit >= REDIS_TRIAL) this.fire('ign', permit - REDIS_TRIAL, false);
  }

  state(): CircuitState {
    if (!this.deps.link.up && this.fallback !== undefined) return this.fallback.state();
    const now = this.clock.now();
    if (now - this.fetchedAt >= this.deps.syncMs / 2) this.refresh();
    if (this.st === OPEN && !this.forced && now >= this.openUntil) return 'half_open';
    return STATES[this.st]!;
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state();
    const now = this.clock.now();
    const input = {
      state,
      disabled: this.disabled,
      forcedOpen: this.forced,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      consecutive: this.consecutive,
      retryAfterMs: state !== 'open' ? 0 : this.forced ? this.options.recoveryTime : Math.max(0, this.openUntil - now),
      openedAt: this.openedAt,
      window: this.window,
      history: this.history,
    };
    return breakerSnapshot(this.owner, this.options, input, now);
  }

  forceOpen(): void {
    this.fallback?.forceOpen();
    this.update([0, OPEN, String(this.options.recoveryTime), this.epoch + 1, 0, 1, 0]);
    this.fire('force', 0, false);
  }

  reset(): void {
    this.fallback?.reset();
    this.window?.clear();
    this.update([0, CLOSED, '0', this.epoch + 1, 0, 0, 0]);
    this.fire('reset', 0, false);
  }

  disable(): void {
    this.fallback?.disable();
    this.update([0, CLOSED, '0', this.epoch + 1, 0, 0, 1]);
    this.fire('disable', 0, false);
  }

  isIdle(): boolean {
    return this.st === CLOSED && !this.disabled && !this.refreshing && (this.window === undefined || this.window.isEmpty(this.clock.now())) && (this.fallback === undefined || this.fallback.isIdle());
  }

  /** Re-reads the shared state in the background (one read in flight at most). */
  private refresh(): void {
    if (this.refreshing || !this.deps.link.up) return;
    this.refreshing = true;
    const sentAt = this.clock.now();
    this.send('read', 0, false).then(
      (reply) => {
        this.refreshing = false;
        this.update(reply, sentAt);
      },
      () => {
        this.refreshing = false;
      },
    );
  }

  private send(op: string, epoch: number, slow: boolean): Promise<Reply> {
    const o = this.options;
    const lease = Math.max(o.recoveryTime, 10_000);
    return this.deps.link.run(BREAKER_SCRIPT, this.deps.key, [op, o.failureThreshold, o.recoveryTime, o.halfOpenMaxCalls, o.successThreshold, epoch, slow ? 1 : 0, lease], this.owner.policy) as Promise<Reply>;
  }

  /** Fire and forget: the reply refreshes the cache; a failure already marked the store down. */
  private fire(op: string, epoch: number, slow: boolean): void {
    const sentAt = this.clock.now();
    this.send(op, epoch, slow).then((reply) => this.update(reply, sentAt), this.ignore);
  }

  private record(failed: boolean, slow: boolean): void {
    const o = this.options;
    if (this.st !== CLOSED) return;
    const now = this.clock.now();
    const w = (this.window ??= new OutcomeWindow(o.slidingWindow));
    w.add(now, failed, slow);
    if (w.calls(now) < o.minimumCalls) return;
    if (w.failureRate(now) >= o.failureRateThreshold || (o.slowCallDurationMs !== Infinity && w.slowRate(now) >= o.slowCallRateThreshold)) {
      w.clear();
      this.fire('open', 0, false);
    }
  }

  /**
   * Takes the shared state from a script reply sent at `sentAt` (the state is at least that
   * fresh), or from a local guess (`sentAt` undefined: the cache age stays as it was).
   */
  private update(reply: Reply, sentAt?: number): void {
    const now = this.clock.now();
    if (sentAt !== undefined && sentAt > this.fetchedAt) this.fetchedAt = sentAt;
    const st = Number(reply[1]);
    const epoch = Number(reply[3]);
    // Replies come back in the order they were sent (one connection per key), so the latest wins.
    this.epoch = epoch;
    this.consecutive = Number(reply[4]);
    this.forced = Number(reply[5]) === 1;
    this.disabled = Number(reply[6]) === 1;
    const remaining = Number(reply[2]);
    if (st === OPEN) {
      const until = now + remaining;
      if (this.st !== OPEN || Math.abs(until - this.openUntil) > 1) this.openUntil = until;
      if (this.st !== OPEN) this.openedAt = until - this.options.recoveryTime;
    }
    if (st !== this.st) {
      const from = this.st;
      this.st = st;
      if (st === CLOSED) this.window?.clear();
      this.history = recordStateChange(this.history, this.owner, this.options, STATES[from]!, STATES[st]!, now);
    }
  }

  private degraded(): number {
    if (this.deps.onStoreError === 'fail-closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    return (this.fallback ??= new MemoryBreaker(this.owner, this.options, this.clock)).admit();
  }
}
