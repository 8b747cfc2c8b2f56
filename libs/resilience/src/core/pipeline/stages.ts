import type { Clock } from '../clock.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { BreakerBackend, BucketBackend } from '../store/store.js';

/**
 * The stage interfaces `createPipeline` composes. A policy takes part in a pipeline by
 * implementing one of them; the pipeline imports no policy class. Each method is called on the
 * hot path: implementations do no option copying and allocate nothing on success.
 *
 * The `emit…` hooks are optional observers: the pipeline calls them at the moment named, and an
 * implementation builds an event object only when someone listens (`EventEmitter.hasListeners`).
 */

/** Circuit breaker stage: admission and outcome recording through a backend. @publicApi */
export interface BreakerStage {
  readonly name: string;
  /**
   * True when calls must be timed: slow-call counting is on, or a listener wants `durationMs`.
   * Read once per attempt (it may change as listeners come and go).
   */
  readonly measuresDuration: boolean;
  /** Whether an error a call threw counts as a failure (the `failOn` / `excludeOn` filter). */
  countsAsFailure(error: unknown): boolean;
  /** The backend for this call (its partition, when partitioned). */
  backendFor(args: readonly unknown[]): BreakerBackend;
  /** An admitted attempt succeeded (after `backend.onSuccess`); `durationMs` is 0 unless measured. */
  emitSuccess?(durationMs: number): void;
  /** An admitted attempt failed with an error that counts (after `backend.onFailure`). */
  emitFailure?(error: unknown, durationMs: number): void;
  /** `precheck()` or `admit()` refused the attempt with `error` (it never ran). */
  emitRejected?(error: unknown): void;
}

/** Rate limiter stage: the bucket (or window) a call takes its tokens from. @publicApi */
export interface LimiterStage {
  readonly name: string;
  /** Longest wait for tokens; 0 refuses at once (`reject` mode). */
  readonly maxWaitMs: number;
  bucketFor(args: readonly unknown[]): BucketBackend;
  /** Tokens this call costs (the limiter's `tokens` option or function of the args). */
  tokensFor(args: readonly unknown[]): number;
  /**
   * The limiter's priority lanes. Read once, when the pipeline is created: only when it and
   * {@link laneFor} are present does each attempt ask for its lane (a limiter without lanes costs
   * nothing per call).
   */
  readonly lanes?: LanePlan;
  /**
   * Lane index of a call: `lane` (the call's `ExecuteOptions.lane`), else the stage's `lane`
   * option (of `args`), else its default lane. Throws `ResilienceConfigError` for an unknown lane.
   * Passed to `bucket.acquire` and `bucket.refund`.
   */
  laneFor?(args: readonly unknown[], lane?: string): number;
  /** The attempt has to wait for `tokens` (called once, when the wait starts); `lane` as given to the bucket. */
  emitWait?(tokens: number, lane?: number): void;
  /** Taking tokens failed with `error` (a refusal, an abort, a bad token count); `lane` as given to the bucket. */
  emitRejected?(error: unknown, lane?: number): void;
}

/** Retry stage: decides whether and when an attempt that failed is tried again. @publicApi */
export interface RetryStage {
  readonly name: string;
  /** True when `maxElapsedMs` is finite (the pipeline then reads the clock at the start). */
  readonly tracksElapsed: boolean;
  /** Delay before retry number `retryNo` (1-based), or a negative number to give up. */
  nextDelay(error: unknown, retryNo: number, elapsedMs: number): number;
  /** Called once a retry is scheduled after attempt `retryNo` failed (emits the retry event). */
  emitRetry?(retryNo: number, delayMs: number, error: unknown): void;
  /** Called once the policy gives up after `attempts` attempts (emits the give-up event). */
  emitGiveUp?(attempts: number, error: unknown): void;
  /** Waits `ms` (on the policy's clock); rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Bulkhead stage: a concurrency slot held while the attempt runs. @publicApi */
export interface BulkheadStage {
  readonly name: string;
  /**
   * Takes a slot: returns `undefined` when one was free (the hot path, no allocation), or a
   * promise that resolves when a queued caller gets its slot. Throws / rejects with
   * `BulkheadRejectedError` when the queue is full or `maxWaitMs` passes, and with the signal's
   * reason when it aborts (an aborted waiter frees its queue place at once). `lane`: the
   * call's lane index (from {@link laneFor}); absent: the default lane.
   */
  enter(signal?: AbortSignal, lane?: number): Promise<void> | undefined;
  /** The bulkhead's priority lanes (read once, at pipeline creation; see `LimiterStage.lanes`). */
  readonly lanes?: LanePlan;
  /** Lane index of a call, resolved like `LimiterStage.laneFor`; passed to {@link enter}. */
  laneFor?(args: readonly unknown[], lane?: string): number;
  /** Gives back the slot taken by `enter` (exactly once per successful `enter`), with the same `lane` given to `enter`. */
  leave(lane?: number): void;
}

/**
 * Timeout stage. `attemptMs` bounds each attempt (the method only, inside every other stage);
 * `totalMs` bounds the whole call (every attempt, every wait, every retry delay). `Infinity`
 * means no bound at that level. At a deadline the pipeline aborts the signal it handed to the
 * method (cooperative cancellation) and rejects with `TimeoutError` either way.
 * @publicApi
 */
export interface TimeoutStage {
  readonly name: string;
  readonly attemptMs: number;
  readonly totalMs: number;
  /**
   * Index of the method parameter that receives the attempt's `AbortSignal` (linked to the
   * caller's signal found there), or -1 when the method is not handed one.
   */
  readonly signalArg: number;
  /** Builds the error for a deadline: `TimeoutError` with `timeoutMs` and `scope`. */
  timeoutError(scope: 'attempt' | 'total'): Error;
}

/** Fallback stage: the value a call resolves to when it fails with a handled error. @publicApi */
export interface FallbackStage {
  readonly name: string;
  /** Whether the fallback applies to this error (never to programming errors). */
  handles(error: unknown): boolean;
  /** The fallback result; `thisArg` is the decorated instance (for a method-name fallback). */
  fallback(error: unknown, thisArg: unknown, args: readonly unknown[]): unknown;
}

/** The stages one call goes through (any subset); see {@link createPipeline} for the order. @publicApi */
export interface PipelineStages {
  fallback?: FallbackStage;
  timeout?: TimeoutStage;
  retry?: RetryStage;
  breaker?: BreakerStage;
  bulkhead?: BulkheadStage;
  limiter?: LimiterStage;
  /** Clock for deadlines, the retry budget and call timing. Default: `systemClock`. */
  clock?: Clock;
}
