import type { Clock } from '../../core/clock.js';
import type { AdmissionMode } from '../../core/options/admission.js';
import type { RateLimiterSnapshot } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { ResilienceStore } from '../../core/store/store.js';
import type { RateLimitInfo, RateLimitWindow } from '../headers/rate-limit-info.js';

/** Options of an {@link AdaptiveRateLimiter}. Rates are tokens per `periodMs` ms. @publicApi */
export interface AdaptiveRateLimiterOptions {
  /** Name used in events, snapshots, the store key and error paths (`adaptiveLimiters.<name>.…`). Default `'adaptive'`. */
  name?: string;
  /** Rate before any header is seen. Required. */
  initialRate: number;
  /** Period in ms. Default 1000. */
  periodMs?: number;
  /** Bucket size. Default `max(1, initialRate)`; not changed by adaptation. */
  burst?: number;
  /** Lowest rate adaptation may set. Default `min(1, initialRate)`. */
  minRate?: number;
  /** Highest rate adaptation may set. Default `Infinity` (trust the provider); set it to cap. */
  maxRate?: number;
  /** Fraction of the reported capacity to use, in (0, 1]. Default 0.9. */
  safetyFactor?: number;
  /** Which reported window drives the rate: `requests` (default) or `tokens`. */
  unit?: 'requests' | 'tokens';
  /** Reset assumed when a window reports `remaining` but no reset, ms. Default 60000. */
  defaultResetMs?: number;
  /** Shortest time-to-reset used in the rate formula (avoids huge rates from `12ms` resets). Default 1000. */
  minResetMs?: number;
  /** Pause after a 429 that gives no hint (no Retry-After, no reset), ms. Default 1000. */
  defaultPauseMs?: number;
  /**
   * Longest pause any response header may cause, ms (a `Retry-After`, a reset with nothing
   * remaining). Default 60000, the retry policy's `maxRetryAfterMs` default. Finite, >= `defaultPauseMs`.
   */
  maxPauseMs?: number;
  /** `wait` (queue FIFO up to `maxWaitMs`) or `reject`. Default `wait`. */
  mode?: AdmissionMode;
  /** Longest wait in `wait` mode, ms. Default 30000. */
  maxWaitMs?: number;
}

/** Clock and store the bucket runs on. @publicApi */
export interface AdaptiveRateLimiterDeps {
  /** Default `systemClock`. */
  clock?: Clock;
  /** Default: a memory bucket of its own. */
  store?: ResilienceStore;
}

/**
 * Fixed defaults of {@link AdaptiveRateLimiterOptions}. The others follow `initialRate`:
 * `burst` = `max(1, initialRate)`, `minRate` = `min(1, initialRate)`, `maxPauseMs` =
 * `max(60000, defaultPauseMs)`.
 * @publicApi
 */
export const ADAPTIVE_RATE_LIMITER_DEFAULTS = Object.freeze({
  name: 'adaptive',
  periodMs: 1000,
  maxRate: Infinity,
  safetyFactor: 0.9,
  unit: 'requests',
  defaultResetMs: 60_000,
  minResetMs: 1000,
  defaultPauseMs: 1000,
  maxPauseMs: 60_000,
  mode: 'wait',
  maxWaitMs: 30_000,
} as const);

/** {@link AdaptiveRateLimiterOptions} validated, defaults applied. @internal */
export interface NormalizedAdaptiveRateLimiterOptions {
  name: string;
  initialRate: number;
  periodMs: number;
  burst: number;
  minRate: number;
  maxRate: number;
  safetyFactor: number;
  unit: 'requests' | 'tokens';
  defaultResetMs: number;
  minResetMs: number;
  defaultPauseMs: number;
  maxPauseMs: number;
  mode: AdmissionMode;
  /** 0 in `reject` mode. */
  maxWaitMs: number;
}

/** What one {@link AdaptiveRateLimiter.updateFromHeaders} call did. @publicApi */
export interface AdaptiveUpdate {
  /** Rate in force after the update. */
  rate: number;
  /** Rate before it. */
  previousRate: number;
  /** Set when the update paused the bucket: epoch ms until which nobody is admitted. */
  pausedUntil?: number;
  /** True when this (successful) response ended a pause early. */
  resumed?: boolean;
  /** What the headers said. */
  info: RateLimitInfo;
}

/** State of an adaptive limiter, for a status endpoint or health output. @publicApi */
export interface AdaptiveRateLimiterSnapshot extends RateLimiterSnapshot {
  minRate: number;
  maxRate: number;
  safetyFactor: number;
  /** Epoch ms until which the bucket is paused (absent when not paused). */
  pausedUntil?: number;
  /** Header updates applied so far. */
  updates: number;
  /** The last window that drove the rate, and when (epoch ms). */
  lastWindow?: RateLimitWindow;
  lastUpdateAt?: number;
}
