import type { Clock } from '../clock.js';
import type {
  CircuitBreakerSnapshot,
  CircuitState,
  NormalizedCircuitBreakerOptions,
} from '../circuit-breaker/circuit-breaker.options.js';
import type { Event } from '../events/event-emitter.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { StoreStatusEvent } from './store-events.js';

/**
 * What the policies on a shared store do while it cannot answer: `fail-open` decides with
 * per-process state, `fail-closed` rejects with `StoreUnavailableError`. @publicApi
 */
export type StoreErrorPolicy = 'fail-open' | 'fail-closed';

/** Every {@link StoreErrorPolicy}, for validation (`optionalEnum(path, value, STORE_ERROR_POLICIES, …)`). @publicApi */
export const STORE_ERROR_POLICIES: readonly StoreErrorPolicy[] = ['fail-open', 'fail-closed'];

/** Limits of one token bucket: `rate` tokens per `periodMs` ms, at most `burst` stored. @publicApi */
export interface BucketSpec {
  rate: number;
  periodMs: number;
  burst: number;
  /** Priority lanes (see {@link LanePlan}); absent: one lane, no caps, no floors. */
  lanes?: LanePlan;
}

/**
 * Limits of one sliding window: at most `limit` tokens admitted in any window of `windowMs`,
 * each admission counting for `windowMs + safetyMarginMs` (see docs/policies/rate-limiter.md, "Sliding-window
 * limiter"). @publicApi
 */
export interface SlidingWindowSpec {
  limit: number;
  windowMs: number;
  safetyMarginMs: number;
  /** Priority lanes (see {@link LanePlan}); absent: one lane, no caps, no floors. */
  lanes?: LanePlan;
}

/** Identifies the policy (and partition) a piece of state belongs to, for error messages. */
export interface StateOwner {
  /** Policy name. */
  policy: string;
  /** Partition key, when the policy is partitioned. */
  partitionKey?: string;
  /** Full storage key (prefix, policy, partition). */
  key: string;
}

/**
 * State of one token bucket, owned by a store. Waiting callers queue in FIFO order and
 * reserve their tokens; see docs/policies/rate-limiter.md for the bound this must keep.
 * @publicApi
 */
export interface BucketBackend {
  /**
   * Takes `tokens` for one caller.
   * - returns `undefined` when admitted at once (the fast path allocates nothing);
   * - returns a promise that resolves when the caller is admitted;
   * - throws (or rejects with) `RateLimiterRejectedError` when the caller cannot be admitted within
   *   `maxWaitMs` (`0` = reject mode), without waiting first;
   * - rejects with `signal.reason` when `signal` aborts while waiting (its tokens are given back).
   *
   * `lane` is the caller's lane index in `spec.lanes` (default: the plan's `defaultLane`, or 0
   * without lanes): it orders waiters and applies the lane's cap and floor (see {@link LanePlan}).
   */
  acquire(tokens: number, maxWaitMs: number, signal?: AbortSignal, lane?: number): Promise<void> | undefined;
  /**
   * Optional cheap check (no clock read, no side effect): true when `acquire(tokens)` without a
   * lane would admit at once. False means "maybe not" (callers then prepare for a wait).
   */
  admitsAtOnce?(tokens: number): boolean;
  /** True when nobody waits and the bucket is full: dropping it changes no behaviour. */
  isIdle(): boolean;
  /** Tokens available now (negative while callers wait on reservations). */
  available(): number;
  /** Callers currently waiting. */
  waiting(): number;
  /** Changes the limits at run time (the level is clamped to the new burst). */
  setSpec(spec: BucketSpec): void;
  /** Current limits. */
  spec(): BucketSpec;
  /** Admits nobody until the clock reaches `untilMs` (e.g. after a 429 with Retry-After). */
  pauseUntil(untilMs: number): void;
  /**
   * Gives back `tokens` taken by an admission whose call then never ran (e.g. its breaker
   * opened while it waited). The level is capped at `burst`; waiters may be admitted at once.
   * Only tokens of a call that did not reach the upstream may be refunded: the bound counts
   * calls that ran.
   */
  refund(tokens: number, lane?: number): void;
  /**
   * Settles a reservation: `reserved` tokens were admitted (by `acquire`, `heldMs` ago, in lane
   * `lane`) for a call that then used `actual` (e.g. the usage a provider reported).
   * - `actual < reserved`: the difference is given back (refund); a sliding window takes it off
   *   counted tokens admitted no later than that admission, never off later ones, and not at all
   *   once the admission left the window (`heldMs` ≥ window + margin).
   * - `actual > reserved`: the excess is charged now, also below zero: the level (or window)
   *   carries it as debt that later admissions wait for, in every lane (and in the lane's cap).
   * - equal: nothing.
   * Never waits and never throws for a healthy store; on a shared store the change is applied
   * by one atomic script.
   */
  settle(reserved: number, actual: number, heldMs: number, lane?: number): void;
  /**
   * Ends a pause now (newer rate-limit headers show capacity again). The bucket stays empty
   * and refills at its rate from now; waiters are re-timed. No-op when not paused.
   */
  resume(): void;
}

/** Permit returned by {@link BreakerBackend.admit} for a normal (closed-state) call. */
export const PERMIT_NORMAL = 0;
/** Permit returned by {@link BreakerBackend.admit} for a half-open trial call. */
export const PERMIT_TRIAL = 1;
/** Returned by {@link BreakerBackend.precheck} when the call must be decided by `admit()`. */
export const ADMIT_LATER = -1;

/**
 * State machine of one circuit breaker (one partition), owned by a store.
 * @publicApi
 */
export interface BreakerBackend {
  /** Admits a call (`PERMIT_NORMAL` or `PERMIT_TRIAL`) or throws `CircuitBreakerOpenError`. Synchronous for the memory store. */
  admit(): number | Promise<number>;
  /**
   * Decides a call before it waits for anything else (a rate-limiter token), reserving nothing:
   * throws what `admit()` would throw now for an open (or half-open and full) breaker, counted
   * as a rejection; returns a permit when `admit()` would admit it now as a normal call
   * (closed or disabled), to use as is if the call then runs without waiting; returns
   * {@link ADMIT_LATER} when only `admit()` can decide (a half-open trial, a decision that
   * needs the store). Synchronous; allocates nothing when it returns a permit.
   */
  precheck(): number;
  /** The admitted call succeeded after `durationMs` (0 when slow-call counting is off). */
  onSuccess(permit: number, durationMs: number): void;
  /** The admitted call failed with an error that counts as a failure. */
  onFailure(permit: number, durationMs: number): void;
  /** The admitted call ended in an excluded error, or never ran: releases a trial slot, counts nothing. */
  onIgnored(permit: number): void;
  /** The effective state now (an open breaker whose recovery time passed reports `half_open`). */
  state(): CircuitState;
  snapshot(): CircuitBreakerSnapshot;
  forceOpen(): void;
  /** Closes the breaker and clears its counters. */
  reset(): void;
  /** Lets every call through and records nothing until `reset()`. */
  disable(): void;
  /** True when closed with nothing counted: dropping it changes no behaviour. */
  isIdle(): boolean;
}

/**
 * Numeric counters in fixed windows (e.g. spend reserved/committed per budget window).
 * Keys are chosen by the caller (include the window in the key); a counter expires
 * `windowMs` after it was first written in its window.
 * @publicApi
 */
export interface CounterBackend {
  /** Adds `delta` (may be negative or fractional) and returns the new value. */
  incrBy(key: string, delta: number, windowMs: number): Promise<number>;
  /** The current value (0 when absent or expired). */
  get(key: string): Promise<number>;
}

/**
 * One window of one budget that a reservation is checked against (see {@link BudgetLedger}).
 * Amounts are integers in the budget's unit (nano-USD for the llm layer's cost budgets).
 * @publicApi
 */
export interface LedgerWindow {
  /** Storage key of the window: the budget, its scope value and the window id (e.g. `daily:global:2026-12-02`). The store adds its prefix. */
  readonly key: string;
  /** Most units spent + reserved in the window. */
  readonly limit: number;
  /**
   * Rolling windows: the slot length, ms. Spend settled at clock time `t` counts in slot
   * `floor(t / slotMs)` and leaves the window once `now >= (slot + 1 + slots) * slotMs`, i.e. between
   * `slots * slotMs` and `(slots + 1) * slotMs` after it was spent (never early). 0: a fixed window
   * (a calendar day or month): one spent counter for its whole life.
   */
  readonly slotMs: number;
  /** Rolling windows: slots per window (e.g. 60). Ignored when `slotMs` is 0. */
  readonly slots: number;
  /**
   * Clock ms after which the whole window's state may be dropped by the store (fixed: the window's end
   * plus the longest reservation hold; rolling: now + (slots + 1) × slotMs + the hold, refreshed on each write).
   */
  readonly expiresAt: number;
}

/** Spent and reserved units of one {@link LedgerWindow} now (expired reservations not counted). @publicApi */
export interface LedgerTotals {
  spent: number;
  reserved: number;
}

/**
 * What {@link BudgetLedger.reserve} decided: admitted, or refused by the first window (in the order
 * given) that could not take the amount, with that window's totals before the amount.
 * @publicApi
 */
export type LedgerDecision = { ok: true } | { ok: false; index: number; spent: number; reserved: number };

/**
 * Spend and reservations of budgets, owned by a store (memory: this process, optionally journaled to
 * a file; Redis: shared by every replica, one atomic script per operation). Every operation on
 * several windows is atomic across all of them: a reservation is recorded in every window or in none.
 * Clock times are the caller's clock (`Clock.now()`), so virtual time drives expiry in tests.
 * @publicApi
 */
export interface BudgetLedger {
  /**
   * Atomically: drops the reservations of `windows` whose hold ended (`holdUntil <= now`), then checks
   * `spent + reserved + amount <= limit` in every window. All pass: records reservation `id` with
   * `amount` in each window until `holdUntil` and resolves `{ ok: true }`. Else records nothing and
   * resolves the first refusing window with its totals. `amount` 0 always passes and records nothing.
   * Reserving an `id` that is already held in a window replaces its amount there.
   */
  reserve(id: string, windows: readonly LedgerWindow[], amount: number, holdUntil: number): Promise<LedgerDecision>;
  /**
   * Atomically: removes reservation `id` from each window (when still held: an expired one was already
   * dropped) and adds `actual` (>= 0) to each window's spent (rolling: in the slot of now). Never
   * refuses: spend may end above the limit when `actual` exceeds what was reserved. Resolves the totals
   * after the change, per window.
   */
  settle(id: string, windows: readonly LedgerWindow[], actual: number): Promise<LedgerTotals[]>;
  /** Totals now, per window (reservations whose hold ended not counted). */
  totals(windows: readonly LedgerWindow[]): Promise<LedgerTotals[]>;
  /**
   * True the first time `marker` is marked in `window` (e.g. a warning threshold `warn:0.8`), false
   * after: once per window across every process that shares the store.
   */
  markOnce(window: LedgerWindow, marker: string): Promise<boolean>;
  /** Writes what is pending and releases files or connections the ledger opened itself. Idempotent. */
  close?(): Promise<void>;
}

/**
 * Where policy state lives. The in-memory store is the default; the Redis store shares
 * state across processes. Policies only talk to this interface.
 * @publicApi
 */
export interface ResilienceStore {
  /** `memory`, `redis`, ... (shown in health output). */
  readonly kind: string;
  /** Creates the state of one bucket. Called once per policy (and partition). */
  createBucket(owner: StateOwner, spec: BucketSpec, clock: Clock): BucketBackend;
  /**
   * Creates the state of one sliding-window limiter (`algorithm: 'sliding-window'`). Called
   * once per policy (and partition). Stores without it cannot hold sliding-window limiters.
   */
  createSlidingWindow?(owner: StateOwner, spec: SlidingWindowSpec, clock: Clock): BucketBackend;
  /** Creates the state of one breaker. Called once per policy (and partition). */
  createBreaker(owner: StateOwner, options: NormalizedCircuitBreakerOptions, clock: Clock): BreakerBackend;
  /** Counters (optional: stores without it cannot hold budgets). */
  createCounters?(clock: Clock): CounterBackend;
  /**
   * The budget ledger of this store (optional: stores without it keep budgets in a per-process
   * `MemoryBudgetLedger`). A shared store's ledger is shared by every process on it.
   */
  createBudgetLedger?(clock: Clock): BudgetLedger;
  /** Releases connections (only those the store opened itself). */
  close?(): Promise<void>;
  /**
   * Subscribes to the store's outages (stores that can fail, e.g. Redis): one `store.down` when
   * it stops answering, one `store.up` when it answers again. Absent on stores that cannot fail
   * (memory).
   */
  readonly onStatus?: Event<StoreStatusEvent>;
  /**
   * The same store (same connection and state) with another failure policy for the policies
   * created through it: what they do while the store cannot answer. Stores that cannot fail
   * (memory) do not implement it.
   */
  withStoreErrorPolicy?(onStoreError: StoreErrorPolicy): ResilienceStore;
}
