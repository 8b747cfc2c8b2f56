import type { ErrorFilter } from '../options/types.js';
import type { RetryScheduledEvent } from './retry.events.js';

/**
 * Jitter applied to each backoff delay `d`:
 * - `'none'`: exactly `d`;
 * - `'full'`: uniform in `[0, d]`;
 * - `'equal'`: uniform in `[d/2, d]`;
 * - a number `x` in (0, 1]: proportional, uniform in `[d·(1−x), d·(1+x)]`.
 * The result is capped at `maxDelayMs` after jitter.
 * @publicApi
 */
export type Jitter = 'none' | 'full' | 'equal' | number;

/**
 * The defaults of {@link RetryOptions}, used by `normalizeRetryOptions` (`retryOn` defaults to
 * `isRetryableByDefault`).
 * @publicApi
 */
export const RETRY_DEFAULTS = Object.freeze({
  maxRetries: 3,
  baseDelayMs: 1000,
  backoffFactor: 2,
  maxDelayMs: 60_000,
  jitter: 0.2 as Jitter,
  maxElapsedMs: Infinity,
  maxRetryAfterMs: 60_000,
});

/**
 * Retry options. `maxRetries` counts retries after the first attempt: 3 means up to 4 calls.
 * Defaults: {@link RETRY_DEFAULTS}.
 * @publicApi
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3 (so up to 4 calls). */
  maxRetries?: number;
  /** Delay before the first retry, ms. Default 1000. */
  baseDelayMs?: number;
  /** Multiplier between retries. Default 2. */
  backoffFactor?: number;
  /** Cap on any single backoff delay, ms. Default 60000. */
  maxDelayMs?: number;
  /** Default 0.2 (±20%). */
  jitter?: Jitter;
  /** Errors to retry: classes or a predicate. Default: {@link isRetryableByDefault}. */
  retryOn?: ErrorFilter;
  /** Errors never retried: classes or a predicate; wins over `retryOn`. Default: none. */
  excludeOn?: ErrorFilter;
  /** Total time budget from the first attempt, ms; a wait that would pass it is not started. Default Infinity. */
  maxElapsedMs?: number;
  /** Largest server hint (`retryAfterMs`) honoured; a larger one gives up at once. Default 60000. */
  maxRetryAfterMs?: number;
  /** Called before each wait: sugar for subscribing once to `policy.onRetry`. */
  onRetry?: (event: RetryScheduledEvent) => void;
}

/** Options after defaults and validation. */
export interface NormalizedRetryOptions {
  maxRetries: number;
  baseDelayMs: number;
  backoffFactor: number;
  maxDelayMs: number;
  jitter: Jitter;
  shouldRetry: (error: unknown) => boolean;
  maxElapsedMs: number;
  maxRetryAfterMs: number;
  /** The `onRetry` option (the policy subscribes it to its `onRetry` event). */
  onRetry?: (event: RetryScheduledEvent) => void;
}
