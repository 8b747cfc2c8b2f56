/** `onRetry`: attempt `attempt` failed and a retry is scheduled after `delayMs`. @publicApi */
export interface RetryScheduledEvent {
  readonly type: 'retry.scheduled';
  /** Name of the retry policy. */
  readonly policy: string;
  /** The attempt that failed: 1 for the first call (the next attempt is `attempt + 1`). */
  readonly attempt: number;
  /** The retry scheduled: 1 for the first retry (equal to `attempt`). */
  readonly retry: number;
  /** The wait before that retry, in ms. */
  readonly delayMs: number;
  /** What the failed attempt threw. */
  readonly error: unknown;
}

/**
 * `onGiveUp`: the policy stops after `attempts` attempts and the call rejects with `error`:
 * retries are spent, the error is not retryable, its `retryAfterMs` hint is too far, or the next
 * wait would pass `maxElapsedMs`. Not emitted when the caller aborts or a total timeout passes.
 * @publicApi
 */
export interface RetryGiveUpEvent {
  readonly type: 'retry.giveup';
  readonly policy: string;
  /** Attempts made, the first call included. */
  readonly attempts: number;
  /** The error the call rejects with. */
  readonly error: unknown;
}

/** The payload of the `onRetry` option and event. @publicApi */
export type RetryEvent = RetryScheduledEvent;
