import type { Clock, RandomSource } from '../core/clock.js';
import type { CircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import type { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import type { LanePlan } from '../core/lanes/lane-plan.js';
import type { PolicyResolver } from '../core/policy/policy-resolver.js';
import type { RateLimiterAlgorithm } from '../core/rate-limiter/rate-limiter.options.js';
import type { RetryOptions } from '../core/retry/retry.options.js';
import type { RetryPolicy } from '../core/retry/retry.policy.js';
import type { ResilienceStore } from '../core/store/store.js';
import type { AdaptiveRateLimiter } from '../http/limiters/adaptive-rate-limiter.js';
import type { NetworkRequestEvent } from './network-request-event.js';

/** One lane of an executor (highest first), as in the core policies' `lanes` option. @publicApi */
export interface ExecutorLaneOptions {
  name: string;
  /** Largest share of each limit (slots, requests, tokens) this lane may take, in (0, 1]. Default 1. */
  maxShare?: number;
  /** Share of each limit only the lanes above may use, in [0, 1). Default 0. */
  reserve?: number;
}

/**
 * Options of an {@link Executor} (see docs/executor.md). Only `concurrencyLimit` and
 * `requestsRate` are required.
 * @publicApi
 */
export interface ExecutorOptions {
  /** Tasks running at once (an integer >= 1). Required. */
  concurrencyLimit: number;
  /** Events that may wait for a slot (an integer >= 0, or Infinity). Default 1000. */
  queueCapacity?: number;
  /** When the queue is full: `reject` (submit throws `ExecutorQueueFullError`, default) or `wait` (PENDING). */
  whenFull?: 'reject' | 'wait';
  /** Requests per `requestsPeriodMs`. Required. */
  requestsRate: number;
  /** Default 1000. */
  requestsPeriodMs?: number;
  /** Default `requestsRate`. */
  requestsBurst?: number;
  /** API tokens per `apiTokensPeriodMs`; absent: no token limit. */
  apiTokensRate?: number;
  /** Default 60000. */
  apiTokensPeriodMs?: number;
  /** Default `apiTokensRate`. */
  apiTokensBurst?: number;
  /** How both limiters count. Default `token-bucket`. */
  algorithm?: RateLimiterAlgorithm;
  /** Sliding window only: the margin each admission counts for beyond the window, ms. */
  safetyMarginMs?: number;
  /** Longest wait of one attempt for its requests / tokens, ms; beyond it the attempt fails. Default Infinity. */
  maxWaitMs?: number;
  /** Priority lanes, highest first; absent: one lane `default`. */
  lanes?: ExecutorLaneOptions[];
  /** Lane of submissions that name none. Default: the first lane. */
  defaultLane?: string;
  /** A waiter older than this is ordered as the highest lane. Default Infinity. */
  laneAgingMs?: number;
  /** Retry policy: a name (through `deps.resolver`), inline options, or an instance. Default: no retry. */
  retry?: string | RetryOptions | RetryPolicy;
  /** Circuit breaker: a name (through `deps.resolver`), inline options, or an instance. */
  circuitBreaker?: string | CircuitBreakerOptions | CircuitBreakerPolicy;
  /** Fed the headers of every response (and of 429s); its pauses are applied to both limiters. */
  adaptive?: AdaptiveRateLimiter;
  /** `learn` (default): scale reservations by the worst actual/estimate ratio seen; `off`: reserve the estimate. */
  tokenCalibration?: 'learn' | 'off';
  /** Log entries kept per event (an integer >= 0). Default 20. */
  logLimit?: number;
}

/** What an executor runs on. @publicApi */
export interface ExecutorDeps {
  clock?: Clock;
  random?: RandomSource;
  /** Where both limiters keep their state (a Redis store shares them across replicas). */
  store?: ResilienceStore;
  /** Resolves `retry` / `circuitBreaker` names; its `clock`, `store`, `random` are the defaults of the above. */
  resolver?: PolicyResolver;
}

/** What the task of an event receives, per attempt. @publicApi */
export interface ExecutorTaskContext {
  /** Aborted when the event is cancelled (or the executor stops without draining). */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly event: NetworkRequestEvent;
  /** Reports the API tokens this attempt really used (reconciled with the reservation). */
  reportUsage(actualTokens: number): void;
}

/** A task: called once per attempt. @publicApi */
export type ExecutorTask<T> = (ctx: ExecutorTaskContext) => T | PromiseLike<T>;

export type { DispatchGate } from './network-request-event.js';
import type { DispatchGate } from './network-request-event.js';

/** Options of one submission. @publicApi */
export interface SubmitOptions<T> {
  /** Estimated API tokens (input estimate + `max_tokens`). Default 0. */
  tokens?: number;
  /** Lane name. Default: the executor's `defaultLane`. */
  lane?: string;
  /** Aborting it cancels the event. */
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  /** The actual tokens an attempt used, from its result (e.g. `(r) => r.data.usage.total_tokens`). */
  usage?: (result: T) => number | undefined;
  /** Runs around dispatch (see {@link DispatchGate}). */
  gate?: DispatchGate;
  /** For the record (not used to call). */
  method?: string;
  url?: string;
}

/** An executor's state now. @publicApi */
export interface ExecutorSnapshot {
  name: string;
  /** False once `stop()` was called. */
  running: boolean;
  /** Events holding a slot. */
  inFlight: number;
  /** Events waiting for a slot, plus those waiting for a place (PENDING). */
  queued: number;
  queuedByLane: Record<string, number>;
  /** Age of the oldest queued event per lane, ms (0 when none). */
  oldestWaitMs: Record<string, number>;
  concurrencyLimit: number;
  queueCapacity: number;
}

/** Options after defaults and validation. @internal */
export interface NormalizedExecutorOptions {
  concurrencyLimit: number;
  queueCapacity: number;
  whenFull: 'reject' | 'wait';
  requestsRate: number;
  requestsPeriodMs: number;
  requestsBurst: number;
  apiTokensRate: number | undefined;
  apiTokensPeriodMs: number;
  apiTokensBurst: number;
  algorithm: RateLimiterAlgorithm;
  safetyMarginMs: number | undefined;
  maxWaitMs: number;
  lanes: ExecutorLaneOptions[] | undefined;
  defaultLane: string | undefined;
  laneAgingMs: number;
  /** Lane names, highest first (`['default']` without lanes). */
  laneNames: string[];
  plan: LanePlan | undefined;
  retry: ExecutorOptions['retry'];
  circuitBreaker: ExecutorOptions['circuitBreaker'];
  adaptive: AdaptiveRateLimiter | undefined;
  tokenCalibration: 'learn' | 'off';
  logLimit: number;
}

/** Defaults of the optional {@link ExecutorOptions}. @publicApi */
export const EXECUTOR_DEFAULTS = Object.freeze({
  queueCapacity: 1000,
  whenFull: 'reject' as const,
  requestsPeriodMs: 1000,
  apiTokensPeriodMs: 60_000,
  algorithm: 'token-bucket' as RateLimiterAlgorithm,
  maxWaitMs: Infinity,
  laneAgingMs: Infinity,
  tokenCalibration: 'learn' as const,
  logLimit: 20,
});
