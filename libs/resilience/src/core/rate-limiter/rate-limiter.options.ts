import { ADMISSION_DEFAULTS } from '../options/admission.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import type { LaneSelector } from '../lanes/lanes.normalize.js';
import type { PolicyLaneOptions } from '../lanes/lanes.options.js';
import type { PartitionKeyFn } from '../options/types.js';

/**
 * The defaults of {@link RateLimiterOptions}, used by `normalizeRateLimiterOptions`. `burst`
 * defaults to `rate` (at least 1); a sliding window's `safetyMarginMs` to
 * `min(safetyMarginMaxMs, periodMs × safetyMarginRatio)`.
 * @publicApi
 */
export const RATE_LIMITER_DEFAULTS = Object.freeze({
  periodMs: 1000,
  tokens: 1,
  mode: ADMISSION_DEFAULTS.mode,
  maxWaitMs: ADMISSION_DEFAULTS.maxWaitMs,
  maxPartitions: 10_000,
  algorithm: 'token-bucket' as RateLimiterAlgorithm,
  safetyMarginRatio: 0.03,
  safetyMarginMaxMs: 250,
});

/**
 * Token-bucket rate limiter options: `rate` tokens per `periodMs` ms, bucket size `burst`.
 * In any window of length W, admitted tokens ≤ `burst + rate × W / period`.
 * Defaults: {@link RATE_LIMITER_DEFAULTS}. Priority lanes (`lanes`, `defaultLane`, `laneAgingMs`,
 * `lane`): see {@link PolicyLaneOptions} and docs/lanes.md.
 * @publicApi
 */
export interface RateLimiterOptions extends PolicyLaneOptions {
  /** Tokens added per period. Required. */
  rate: number;
  /** Period in ms. Default 1000. */
  periodMs?: number;
  /** Bucket size (tokens that can be spent at once). Default `rate`. */
  burst?: number;
  /** Tokens one call takes: a number, or a function of the method's arguments. Default 1. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tokens?: number | ((...args: any[]) => number);
  /** `wait` (queue FIFO, up to `maxWaitMs`) or `reject` (fail at once). Default `wait`. */
  mode?: 'wait' | 'reject';
  /** Longest wait in `wait` mode, ms; a caller that cannot be admitted in time fails at once. Default 30000. */
  maxWaitMs?: number;
  /** One bucket per key derived from the call's arguments (user, tenant, ...). */
  partitionKey?: PartitionKeyFn;
  /** Most partitions kept; idle (full, no waiters) buckets are evicted first. Default 10000. */
  maxPartitions?: number;
  /**
   * `token-bucket` (default) or `sliding-window`: at most `rate` tokens in ANY window of
   * `periodMs` ms, as a provider publishing "N per window" counts them (`burst` must then be
   * left out: a window admits `rate` at once). See docs/policies/rate-limiter.md, "Sliding-window limiter".
   */
  algorithm?: RateLimiterAlgorithm;
  /**
   * Sliding window only: each admission counts for `period + safetyMarginMs`, so requests
   * that reach the provider up to this much later than others still fit its window.
   * Default 3 % of `periodMs`, at most 250 ms (`min(250, period × 0.03)`).
   */
  safetyMarginMs?: number;
}

/** How a limiter counts: a token bucket, or a sliding window of `periodMs` ms. @publicApi */
export type RateLimiterAlgorithm = 'token-bucket' | 'sliding-window';

/** Options after defaults and validation. */
export interface NormalizedRateLimiterOptions {
  rate: number;
  periodMs: number;
  burst: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  tokens: number | ((...args: any[]) => number);
  mode: 'wait' | 'reject';
  /** 0 in reject mode. */
  maxWaitMs: number;
  partitionKey?: PartitionKeyFn;
  maxPartitions: number;
  /** Absent: `token-bucket`. */
  algorithm?: RateLimiterAlgorithm;
  /** Sliding window only (ms). */
  safetyMarginMs?: number;
  /** Priority lanes; absent: one lane. Every bucket (and partition) gets this plan. */
  lanes?: LanePlan;
  /** The `lane` option: a fixed lane index or a function of the args; absent: `lanes.defaultLane`. */
  lane?: LaneSelector;
}
