import type { Clock } from '../../core/clock.js';
import { StoreUnavailableError } from '../../core/errors/index.js';
import type {
  CircuitBreakerSnapshot,
  CircuitState,
  NormalizedCircuitBreakerOptions,
} from '../../core/circuit-breaker/circuit-breaker.options.js';
import { BreakerBackendBase } from '../../core/store/breaker-backend-base.js';
import { ADMIT_LATER, type BreakerBackend, type StateOwner } from '../../core/store/store.js';
import { CLOSED, HALF_OPEN, OPEN, STATES } from '../../core/store/breaker-state.js';
import { SharedBreakerState } from './shared-breaker-state.js';
import { BreakerScriptCall, REDIS_NORMAL, REDIS_TRIAL } from './breaker-script-call.js';
import { BreakerFallback } from './breaker-fallback.js';
import type { RedisBreakerDeps } from './redis-breaker.types.js';

export type { RedisBreakerDeps } from './redis-breaker.types.js';

/**
 * Circuit breaker whose state lives in Redis (see `BREAKER_SCRIPT`), shared by every process.
 *
 * - Transitions (open, half-open, close), consecutive-failure counts and half-open trial
 *   admission are atomic in Redis: exactly `halfOpenMaxCalls` trials run in the whole cluster.
 *   A trial slot whose process died is reclaimed after max(recoveryTimeMs, 10 s).
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
 *   `reset()` / `disable()` end it), so every open period it reports lasts `recoveryTimeMs`.
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
 *   chain (`from` of each is `to` of the one before) across both switches
 *   (see {@link BreakerFallback}; script calls: {@link BreakerScriptCall}).
 * - Counters, refusals, the rate window and snapshots are shared with `MemoryBreaker`
 *   (`BreakerBackendBase`).
 */
export class RedisBreaker extends BreakerBackendBase implements BreakerBackend {
  private readonly view: SharedBreakerState;
  private readonly calls: BreakerScriptCall;
  private readonly fallback: BreakerFallback;

  constructor(
    owner: StateOwner,
    options: NormalizedCircuitBreakerOptions,
    clock: Clock,
    private readonly deps: RedisBreakerDeps,
  ) {
    super(owner, options, clock);
    this.view = new SharedBreakerState(owner, options, clock, () => this.window?.clear());
    this.calls = new BreakerScriptCall(owner, options, clock, deps, this.view, () => this.fallback.active);
    this.fallback = new BreakerFallback(owner, options, clock, deps, this.view, (op) => this.calls.fire(op, 0, false));
  }

  admit(): number | Promise<number> {
    if (!this.deps.link.up) return this.fallback.enter().admit();
    return this.fromCache() ?? this.remoteAdmit();
  }

  precheck(): number {
    if (!this.deps.link.up) return this.fallback.enter().precheck();
    return this.fromCache() ?? ADMIT_LATER;
  }

  /**
   * What the cached state decides with Redis up: `REDIS_NORMAL` (closed or disabled, cache young
   * enough), a refusal (open here, recovery time not up), or undefined when Redis must decide.
   */
  private fromCache(): number | undefined {
    if (this.fallback.active) this.fallback.resume();
    const v = this.view;
    const now = this.clock.now();
    if (v.st === CLOSED || v.disabled) {
      const age = now - v.fetchedAt;
      // Nothing cached, or older than the staleness bound: decide in Redis.
      if (age >= this.deps.syncMs) return undefined;
      if (age >= this.deps.syncMs / 2) this.calls.refresh();
      return REDIS_NORMAL;
    }
    if (v.refusing(now)) this.refuseOpen(now);
    return undefined;
  }

  /** Refuses a call while this process holds the breaker open (re-reading a cache that is getting old). */
  private refuseOpen(now: number): never {
    if (now - this.view.fetchedAt >= this.deps.syncMs / 2) this.calls.refresh();
    return this.refuse(this.view.forced ? this.options.recoveryTimeMs : this.view.openUntil - now, 'open');
  }

  /** Admission decided in Redis (half-open trials, recovery time reached, or a cold cache). */
  private remoteAdmit(): Promise<number> {
    const seq = this.view.nextSeq();
    const sentAt = this.clock.now();
    return this.calls.send('admit', 0, false).then(
      (reply) => {
        this.calls.applyReply(reply, seq, sentAt);
        const r = Number(reply[0]);
        const now = this.clock.now();
        if (r >= 0 && this.view.refusing(now)) {
          // The breaker opened here while the question was on its way: the call is refused.
          if (r === 1) this.calls.fire('ign', Number(reply[3]), false);
          this.refuseOpen(now);
        }
        if (r === 0) return REDIS_NORMAL;
        if (r === 1) return REDIS_TRIAL + Number(reply[3]);
        if (r !== -1) return this.refuse(0, 'half_open');
        const v = this.view;
        const open = v.st === OPEN ? v.openUntil - now : Number(reply[2]);
        return this.refuse(v.forced ? this.options.recoveryTimeMs : Math.max(0, open), 'open');
      },
      (error: unknown) => {
        if (error instanceof StoreUnavailableError) return this.fallback.enter().admit();
        throw error;
      },
    );
  }

  onSuccess(permit: number, durationMs: number): void {
    if (this.fallback.settle(permit, durationMs, false)) return;
    if (this.view.disabled) return;
    this.successes++;
    const slow = durationMs >= this.options.slowCallDurationMs;
    if (permit >= REDIS_TRIAL) {
      this.calls.fire('succ', permit - REDIS_TRIAL, slow);
    } else if (this.options.mode === 'consecutive') {
      if (slow) this.calls.fire('cfail', 0, false);
      else if (this.view.consecutive > 0) {
        this.view.consecutive = 0;
        this.calls.fire('cok', 0, false);
      }
    } else {
      this.record(false, slow);
    }
  }

  onFailure(permit: number, durationMs: number): void {
    if (this.fallback.settle(permit, durationMs, true)) return;
    if (this.view.disabled) return;
    this.failures++;
    if (permit >= REDIS_TRIAL) {
      if (this.view.st === HALF_OPEN && permit - REDIS_TRIAL === this.view.epoch)
        this.view.transitionHere(OPEN, false, false);
      this.calls.fire('fail', permit - REDIS_TRIAL, false);
    } else if (this.options.mode === 'consecutive') {
      if (this.view.st === CLOSED && ++this.view.consecutive >= this.options.failureThreshold)
        this.view.transitionHere(OPEN, false, false);
      this.calls.fire('cfail', 0, false);
    } else {
      this.record(true, durationMs >= this.options.slowCallDurationMs);
    }
  }

  onIgnored(permit: number): void {
    if (permit < REDIS_NORMAL) this.fallback.ignore(permit);
    else if (permit >= REDIS_TRIAL) this.calls.fire('ign', permit - REDIS_TRIAL, false);
  }

  state(): CircuitState {
    if (this.fallback.active) {
      if (!this.deps.link.up) return this.fallback.memory.state();
      this.fallback.resume();
    }
    const now = this.clock.now();
    if (now - this.view.fetchedAt >= this.deps.syncMs / 2) this.calls.refresh();
    if (this.view.st === OPEN && !this.view.forced && now >= this.view.openUntil) return 'half_open';
    return STATES[this.view.st]!;
  }

  snapshot(): CircuitBreakerSnapshot {
    const state = this.state();
    const held = this.fallback.active ? this.fallback.memory.held() : this.view;
    return this.snapshotOf(state, held, this.view.consecutive, this.view.history, this.clock.now());
  }

  forceOpen(): void {
    if (this.fallback.whileDown('force')) return this.fallback.memory.forceOpen();
    this.view.transitionHere(OPEN, true, false);
    this.calls.fire('force', 0, false);
  }

  reset(): void {
    this.window?.clear();
    if (this.fallback.whileDown('reset')) return this.fallback.memory.reset();
    this.view.transitionHere(CLOSED, false, false);
    this.calls.fire('reset', 0, false);
  }

  disable(): void {
    if (this.fallback.whileDown('disable')) return this.fallback.memory.disable();
    this.view.transitionHere(CLOSED, false, true);
    this.calls.fire('disable', 0, false);
  }

  isIdle(): boolean {
    return (
      this.view.st === CLOSED &&
      !this.view.disabled &&
      !this.calls.refreshing &&
      (this.window === undefined || this.window.isEmpty(this.clock.now())) &&
      this.fallback.isIdle()
    );
  }

  private record(failed: boolean, slow: boolean): void {
    if (this.view.st !== CLOSED || !this.recordRate(this.clock.now(), failed, slow)) return;
    this.window!.clear();
    this.view.transitionHere(OPEN, false, false); // open here at once, like a consecutive-mode trip
    this.calls.fire('open', 0, false);
  }
}
