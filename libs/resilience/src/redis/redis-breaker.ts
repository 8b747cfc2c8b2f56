import type { Clock } from '../core/clock.js';
import { CircuitBreakerOpenError } from '../core/errors.js';
import type { CircuitBreakerSnapshot, CircuitState, NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import { MemoryBreaker } from '../core/circuit-breaker/memory-breaker.js';
import { OutcomeWindow } from '../core/circuit-breaker/outcome-window.js';
import { breakerSnapshot } from '../core/circuit-breaker/breaker-snapshot.js';
import { ADMIT_LATER, type BreakerBackend, type StateOwner } from '../core/store.js';
import { BREAKER_SCRIPT } from './scripts.js';
import type { StoreLink } from './store-link.js';
import type { StoreErrorPolicy } from './redis-store.options.js';
import { StoreUnavailableError } from './store-errors.js';
import { CLOSED, HALF_OPEN, OPEN, SharedBreakerState, STATES, type BreakerReply } from './shared-breaker-state.js';

/** Permits below this come from the local fallback breaker (0 normal, 1 trial). */
const REDIS_NORMAL = 2;
/** Trial permits are `REDIS_TRIAL + epoch`, so a late outcome of an earlier half-open period counts nothing. */
const REDIS_TRIAL = 3;

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
 *   answered locally whatever the cache age (a read goes out in the background once it is
 *   half `breakerSyncMs` old, so a `reset()` elsewhere is seen); trial admission always asks
 *   Redis. `breakerSyncMs: 0` turns the cache off for closed-state admissions. `precheck()`
 *   decides like `admit()` from the cache, and defers to `admit()` whatever needs Redis.
 * - Failure-rate mode: each process evaluates the rate over its own window; a trip opens the
 *   breaker here at once and the shared breaker for all.
 * - Ordered state ({@link SharedBreakerState}): a late reply never brings back an older state;
 *   once open here, the breaker refuses every call until its recovery time is up (unless
 *   `reset()` / `disable()` end it), so every open period it reports lasts `recoveryTime`.
 *   An admission Redis granted while this process opened the breaker is refused (a trial
 *   slot it got is released).
 * - Counters in snapshots (`successes`, `failures`, `rejections`, `stateChanges`) are this
 *   process's; state, `failureCount` (consecutive mode) and `openedAt` are shared.
 * - Redis down: `fail-open` decides with a local `MemoryBreaker`; `fail-closed` rejects with
 *   `StoreUnavailableError`. Outcomes of calls admitted by Redis are dropped while it is down.
 */
export class RedisBreaker implements BreakerBackend {
  private readonly view: SharedBreakerState;
  private refreshing = false;
  private successes = 0;
  private failures = 0;
  private rejections = 0;
  private window: OutcomeWindow | undefined;
  private fallback: MemoryBreaker | undefined;
  private readonly ignore = () => undefined;

  constructor(
    private readonly owner: StateOwner,
    private readonly options: NormalizedCircuitBreakerOptions,
    private readonly clock: Clock,
    private readonly deps: RedisBreakerDeps,
  ) {
    this.view = new SharedBreakerState(owner, options, clock, () => this.window?.clear());
  }

  admit(): number | Promise<number> {
    if (!this.deps.link.up) return this.degraded().admit();
    const v = this.view;
    const now = this.clock.now();
    if (v.st === CLOSED || v.disabled) {
      const age = now - v.fetchedAt;
      // Nothing cached, or older than the staleness bound: decide in Redis.
      if (age >= this.deps.syncMs) return this.remoteAdmit();
      if (age >= this.deps.syncMs / 2) this.refresh();
      return REDIS_NORMAL;
    }
    if (v.refusing(now)) this.refuseOpen(now);
    return this.remoteAdmit();
  }

  precheck(): number {
    if (!this.deps.link.up) return this.degraded().precheck();
    const v = this.view;
    const now = this.clock.now();
    if (v.st === CLOSED || v.disabled) {
      const age = now - v.fetchedAt;
      if (age >= this.deps.syncMs) return ADMIT_LATER;
      if (age >= this.deps.syncMs / 2) this.refresh();
      return REDIS_NORMAL;
    }
    if (v.refusing(now)) this.refuseOpen(now);
    return ADMIT_LATER;
  }

  /** Refuses a call while this process holds the breaker open (re-reading a cache that is getting old). */
  private refuseOpen(now: number): never {
    if (now - this.view.fetchedAt >= this.deps.syncMs / 2) this.refresh();
    this.rejections++;
    throw new CircuitBreakerOpenError(this.owner.policy, this.view.forced ? this.options.recoveryTime : this.view.openUntil - now, 'open', this.owner.partitionKey);
  }

  /** Admission decided in Redis (half-open trials, recovery time reached, or a cold cache). */
  private remoteAdmit(): Promise<number> {
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    return this.send('admit', 0, false).then(
      (reply) => {
        this.view.apply(reply, seq, sentAt);
        const r = Number(reply[0]);
        const now = this.clock.now();
        if (r >= 0 && this.view.refusing(now)) {
          // The breaker opened here while the question was on its way: the call is refused.
          if (r === 1) this.fire('ign', Number(reply[3]), false);
          this.refuseOpen(now);
        }
        if (r === 0) return REDIS_NORMAL;
        if (r === 1) return REDIS_TRIAL + Number(reply[3]);
        this.rejections++;
        const wait = r !== -1 ? 0 : this.view.forced ? this.options.recoveryTime : Math.max(0, this.view.st === OPEN ? this.view.openUntil - now : Number(reply[2]));
        throw new CircuitBreakerOpenError(this.owner.policy, wait, r === -1 ? 'open' : 'half_open', this.owner.partitionKey);
      },
      (error: unknown) => {
        if (error instanceof StoreUnavailableError) return this.degraded().admit();
        throw error;
      },
    );
  }

  onSuccess(permit: number, durationMs: number): void {
    if (permit < REDIS_NORMAL) {
      this.fallback?.onSuccess(permit, durationMs);
      return;
    }
    if (this.view.disabled) return;
    this.successes++;
    const slow = durationMs >= this.options.slowCallDurationMs;
    if (permit >= REDIS_TRIAL) {
      this.fire('succ', permit - REDIS_TRIAL, slow);
    } else if (this.options.mode === 'consecutive') {
      if (slow) this.fire('cfail', 0, false);
      else if (this.view.consecutive > 0) {
        this.view.consecutive = 0;
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
    if (this.view.disabled) return;
    this.failures++;
    if (permit >= REDIS_TRIAL) {
      if (this.view.st === HALF_OPEN && permit - REDIS_TRIAL === this.view.epoch) this.view.transitionHere(OPEN, false, false);
      this.fire('fail', permit - REDIS_TRIAL, false);
    } else if (this.options.mode === 'consecutive') {
      if (this.view.st === CLOSED && ++this.view.consecutive >= this.options.failureThreshold) this.view.transitionHere(OPEN, false, false);
      this.fire('cfail', 0, false);
    } else {
      this.record(true, durationMs >= this.options.slowCallDurationMs);
    }
  }

  onIgnored(permit: number): void {
    if (permit < REDIS_NORMAL) this.fallback?.onIgnored(permit);
    else if (permit >= REDIS_TRIAL) this.fire('ign', permit - REDIS_TRIAL, false);
  }

  state(): CircuitState {
    if (!this.deps.link.up && this.fallback !== undefined) return this.fallback.state();
    const now = this.clock.now();
    if (now - this.view.fetchedAt >= this.deps.syncMs / 2) this.refresh();
    if (this.view.st === OPEN && !this.view.forced && now >= this.view.openUntil) return 'half_open';
    return STATES[this.view.st]!;
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state();
    const now = this.clock.now();
    const input = {
      state,
      disabled: this.view.disabled,
      forcedOpen: this.view.forced,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      consecutive: this.view.consecutive,
      retryAfterMs: state !== 'open' ? 0 : this.view.forced ? this.options.recoveryTime : Math.max(0, this.view.openUntil - now),
      openedAt: this.view.openedAt,
      window: this.window,
      history: this.view.history,
    };
    return breakerSnapshot(this.owner, this.options, input, now);
  }

  forceOpen(): void {
    this.fallback?.forceOpen();
    this.view.transitionHere(OPEN, true, false);
    this.fire('force', 0, false);
  }

  reset(): void {
    this.fallback?.reset();
    this.window?.clear();
    this.view.transitionHere(CLOSED, false, false);
    this.fire('reset', 0, false);
  }

  disable(): void {
    this.fallback?.disable();
    this.view.transitionHere(CLOSED, false, true);
    this.fire('disable', 0, false);
  }

  isIdle(): boolean {
    return this.view.st === CLOSED && !this.view.disabled && !this.refreshing && (this.window === undefined || this.window.isEmpty(this.clock.now())) && (this.fallback === undefined || this.fallback.isIdle());
  }

  /** Re-reads the shared state in the background (one read in flight at most). */
  private refresh(): void {
    if (this.refreshing || !this.deps.link.up) return;
    this.refreshing = true;
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    this.send('read', 0, false).then(
      (reply) => {
        this.refreshing = false;
        this.view.apply(reply, seq, sentAt);
      },
      () => {
        this.refreshing = false;
      },
    );
  }

  private send(op: string, epoch: number, slow: boolean): Promise<BreakerReply> {
    const o = this.options;
    const lease = Math.max(o.recoveryTime, 10_000);
    return this.deps.link.run(BREAKER_SCRIPT, this.deps.key, [op, o.failureThreshold, o.recoveryTime, o.halfOpenMaxCalls, o.successThreshold, epoch, slow ? 1 : 0, lease], this.owner.policy) as Promise<BreakerReply>;
  }

  /** Fire and forget: the reply refreshes the cache; a failure already marked the store down. */
  private fire(op: string, epoch: number, slow: boolean): void {
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    this.send(op, epoch, slow).then((reply) => this.view.apply(reply, seq, sentAt), this.ignore);
  }

  private record(failed: boolean, slow: boolean): void {
    const o = this.options;
    if (this.view.st !== CLOSED) return;
    const now = this.clock.now();
    const w = (this.window ??= new OutcomeWindow(o.slidingWindow));
    w.add(now, failed, slow);
    if (w.calls(now) < o.minimumCalls) return;
    if (w.failureRate(now) >= o.failureRateThreshold || (o.slowCallDurationMs !== Infinity && w.slowRate(now) >= o.slowCallRateThreshold)) {
      w.clear();
      this.view.transitionHere(OPEN, false, false); // open here at once, like a consecutive-mode trip
      this.fire('open', 0, false);
    }
  }

  private degraded(): MemoryBreaker {
    if (this.deps.onStoreError === 'fail-closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    return (this.fallback ??= new MemoryBreaker(this.owner, this.options, this.clock));
  }
}
