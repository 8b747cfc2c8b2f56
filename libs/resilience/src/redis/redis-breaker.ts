import type { Clock } from '../core/clock.js';
import { CircuitBreakerOpenError } from '../core/errors.js';
import type { CircuitBreakerSnapshot, CircuitState, CircuitStateChange, NormalizedCircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import { MemoryBreaker, type HeldBreakerState } from '../core/circuit-breaker/memory-breaker.js';
import { OutcomeWindow } from '../core/circuit-breaker/outcome-window.js';
import { breakerSnapshot } from '../core/circuit-breaker/breaker-snapshot.js';
import { ADMIT_LATER, PERMIT_NORMAL, type BreakerBackend, type StateOwner } from '../core/store.js';
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
 *   The fallback starts from the state held here (open until the same time, with the same
 *   `openedAt`) and its changes go to the same history and listener; when shared mode resumes
 *   the view takes over the fallback's state (an opening made during the outage is pushed to
 *   Redis and refused here until its recovery time is up), so the reported changes form one
 *   chain (`from` of each is `to` of the one before) across both switches.
 */
export class RedisBreaker implements BreakerBackend {
  private readonly view: SharedBreakerState;
  private refreshing = false;
  private successes = 0;
  private failures = 0;
  private rejections = 0;
  private window: OutcomeWindow | undefined;
  private fallback: MemoryBreaker | undefined;
  /** True from the switch to the fallback until shared mode resumes (see {@link resume}). */
  private onFallback = false;
  /** What the fallback was seeded with, and the manual action taken during the outage. */
  private seeded: HeldBreakerState | undefined;
  private manualWhileDown: 'force' | 'reset' | 'disable' | undefined;
  private readonly relay = (change: CircuitStateChange) => {
    if (this.onFallback) this.view.relay(change);
  };
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
    if (this.onFallback) this.resume();
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
    if (this.onFallback) this.resume();
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
        this.applyReply(reply, seq, sentAt);
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
      if (this.onFallback) this.fallback!.onSuccess(permit, durationMs);
      else this.fallback?.onIgnored(permit); // shared mode resumed: the fallback reports nothing more
      return;
    }
    if (this.onFallback) {
      // Admitted by Redis, ended while the fallback decides: counts there (a trial counts nothing).
      if (permit < REDIS_TRIAL) this.fallback!.onSuccess(PERMIT_NORMAL, durationMs);
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
      if (this.onFallback) this.fallback!.onFailure(permit, durationMs);
      else this.fallback?.onIgnored(permit);
      return;
    }
    if (this.onFallback) {
      if (permit < REDIS_TRIAL) this.fallback!.onFailure(PERMIT_NORMAL, durationMs);
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
    if (this.onFallback) {
      if (!this.deps.link.up) return this.fallback!.state();
      this.resume();
    }
    const now = this.clock.now();
    if (now - this.view.fetchedAt >= this.deps.syncMs / 2) this.refresh();
    if (this.view.st === OPEN && !this.view.forced && now >= this.view.openUntil) return 'half_open';
    return STATES[this.view.st]!;
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state();
    const now = this.clock.now();
    const held = this.onFallback ? this.fallback!.held() : this.view;
    const input = {
      state,
      disabled: held.disabled,
      forcedOpen: held.forced,
      successes: this.successes,
      failures: this.failures,
      rejections: this.rejections,
      consecutive: this.view.consecutive,
      retryAfterMs: state !== 'open' ? 0 : held.forced ? this.options.recoveryTime : Math.max(0, held.openUntil - now),
      openedAt: held.openedAt,
      window: this.window,
      history: this.view.history,
    };
    return breakerSnapshot(this.owner, this.options, input, now);
  }

  forceOpen(): void {
    if (this.whileDown('force')) return this.fallback!.forceOpen();
    this.view.transitionHere(OPEN, true, false);
    this.fire('force', 0, false);
  }

  reset(): void {
    this.window?.clear();
    if (this.whileDown('reset')) return this.fallback!.reset();
    this.view.transitionHere(CLOSED, false, false);
    this.fire('reset', 0, false);
  }

  disable(): void {
    if (this.whileDown('disable')) return this.fallback!.disable();
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
        this.applyReply(reply, seq, sentAt);
      },
      () => {
        this.refreshing = false;
      },
    );
  }

  /** Applies a script reply to the view, unless the fallback decides (it holds the state until resume). */
  private applyReply(reply: BreakerReply, seq: number, sentAt: number): void {
    if (!this.onFallback) this.view.apply(reply, seq, sentAt);
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
    this.send(op, epoch, slow).then((reply) => this.applyReply(reply, seq, sentAt), this.ignore);
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

  /**
   * The fail-open fallback; on the switch to it, seeded with the state held here (no event:
   * the chain goes on from the last one reported). Its own changes are relayed to the view's
   * history and listener.
   */
  private degraded(): MemoryBreaker {
    if (this.deps.onStoreError === 'fail-closed') throw new StoreUnavailableError(this.owner.policy, 'store down');
    const fb = (this.fallback ??= new MemoryBreaker(this.owner, { ...this.options, historySize: 0, onStateChange: this.relay }, this.clock));
    if (!this.onFallback) {
      this.onFallback = true;
      this.manualWhileDown = undefined;
      fb.seed((this.seeded = this.view.held()));
    }
    return fb;
  }

  /** A manual action while the fallback decides: taken by the fallback, pushed to Redis on resume. */
  private whileDown(action: 'force' | 'reset' | 'disable'): boolean {
    if (!this.onFallback && !this.deps.link.up && this.deps.onStoreError === 'fail-open') this.degraded();
    if (!this.onFallback) return false;
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
  private resume(): void {
    this.onFallback = false;
    const held = this.fallback!.held();
    this.view.adopt(held);
    if (this.manualWhileDown !== undefined) this.fire(this.manualWhileDown, 0, false);
    else if (held.state === 'open' && held.openedAt !== this.seeded?.openedAt && this.clock.now() < held.openUntil) this.fire('open', 0, false);
    this.manualWhileDown = undefined;
  }
}
