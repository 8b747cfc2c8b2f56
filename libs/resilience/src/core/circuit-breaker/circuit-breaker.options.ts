import type { ErrorFilter, PartitionKeyFn } from '../options/types.js';

/** @publicApi */
export type CircuitState = 'closed' | 'open' | 'half_open';

/** Sliding window for the failure-rate mode. @publicApi */
export type SlidingWindow =
  /** The last `size` calls. */
  | { type: 'count'; size: number }
  /** The calls of the last `durationMs` milliseconds. */
  | { type: 'time'; durationMs: number };

/**
 * The defaults of {@link CircuitBreakerOptions}, used by `normalizeCircuitBreakerOptions`.
 * `minimumCalls` is at most the size of a count window.
 * @publicApi
 */
export const CIRCUIT_BREAKER_DEFAULTS = Object.freeze({
  failureThreshold: 5,
  recoveryTimeMs: 30_000,
  halfOpenMaxCalls: 1,
  successThreshold: 1,
  slidingWindow: Object.freeze({ type: 'count', size: 100 } as const),
  minimumCalls: 10,
  slowCallDurationMs: Infinity,
  slowCallRateThreshold: 100,
  maxPartitions: 10_000,
  historySize: 10,
});

/**
 * Circuit breaker options. Without `failureRateThreshold` the breaker counts consecutive
 * failures (`failureThreshold`); with it, it opens on the failure rate over `slidingWindow`.
 * Defaults: {@link CIRCUIT_BREAKER_DEFAULTS}.
 * @publicApi
 */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (consecutive mode). Default 5. */
  failureThreshold?: number;
  /** Milliseconds the breaker stays open before admitting trial calls. Default 30000. */
  recoveryTimeMs?: number;
  /** Trial calls admitted at once while half-open. Default 1. */
  halfOpenMaxCalls?: number;
  /**
   * Trial successes needed to close again. Default 1. It may exceed `halfOpenMaxCalls`: each
   * trial that ends frees its slot for the next one, until the threshold is met.
   */
  successThreshold?: number;
  /** Errors that count as failures: error classes or a predicate. Default: every error. */
  failOn?: ErrorFilter;
  /** Errors that never count as failures: error classes or a predicate. Wins over `failOn`. Default: none. */
  excludeOn?: ErrorFilter;
  /** Failure rate, in percent (1–100), that opens the breaker (failure-rate mode). */
  failureRateThreshold?: number;
  /** Window for the failure rate. Default `{ type: 'count', size: 100 }`. */
  slidingWindow?: SlidingWindow;
  /** Calls needed in the window before the rate is evaluated. Default 10 (at most the window size for a count window). */
  minimumCalls?: number;
  /** Calls slower than this (ms) count as slow (failure-rate mode). Off by default. */
  slowCallDurationMs?: number;
  /** Slow-call rate, in percent, that opens the breaker. Default 100. */
  slowCallRateThreshold?: number;
  /** One breaker per key derived from the call's arguments (host, tenant, ...). */
  partitionKey?: PartitionKeyFn;
  /** Most partitions kept; the least recently used idle ones are evicted first. Default 10000. */
  maxPartitions?: number;
  /** State changes kept in the snapshot. Default 10. */
  historySize?: number;
  /** Called on every state change: sugar for subscribing once to `policy.onStateChange`. */
  onStateChange?: (event: CircuitStateChange) => void;
}

/**
 * One state change of a breaker (or partition): the `onStateChange` event (`BreakerStateEvent`),
 * and the entry kept in the snapshot's history (the same object).
 * @publicApi
 */
export interface CircuitStateChange {
  readonly type: 'breaker.state';
  policy: string;
  partitionKey?: string;
  from: CircuitState;
  to: CircuitState;
  /** Clock time of the change (ms). */
  at: number;
}

/** Options after defaults and validation; produced once per policy. */
export interface NormalizedCircuitBreakerOptions {
  mode: 'consecutive' | 'rate';
  failureThreshold: number;
  recoveryTimeMs: number;
  halfOpenMaxCalls: number;
  successThreshold: number;
  /** Combined `failOn` / `excludeOn` predicate. */
  countsAsFailure: (error: unknown) => boolean;
  failureRateThreshold: number;
  slidingWindow: SlidingWindow;
  minimumCalls: number;
  /** `Infinity` when off. */
  slowCallDurationMs: number;
  slowCallRateThreshold: number;
  partitionKey?: PartitionKeyFn;
  maxPartitions: number;
  historySize: number;
  /**
   * Called by the store's backend on every state change. The policy subscribes the user's
   * callback to its `onStateChange` event and hands the store its own relay instead.
   */
  onStateChange?: (event: CircuitStateChange) => void;
}

/** Metrics and state of one breaker (or partition). @publicApi */
export interface CircuitBreakerSnapshot {
  name: string;
  partitionKey?: string;
  state: CircuitState;
  /** True after `disable()` until `reset()`. */
  disabled: boolean;
  /** True after `forceOpen()` until `reset()`. */
  forcedOpen: boolean;
  successes: number;
  failures: number;
  rejections: number;
  /** Consecutive failures now (consecutive mode) or failures in the window (rate mode). */
  failureCount: number;
  /** Failure rate in percent over the window (rate mode), else undefined. */
  failureRate?: number;
  slowCallRate?: number;
  /** Clock time the breaker last opened, if it is open or half-open. */
  openedAt?: number;
  /** Milliseconds until trial calls are admitted (0 unless open). */
  retryAfterMs: number;
  /** The last state changes, oldest first. */
  stateChanges: CircuitStateChange[];
}
