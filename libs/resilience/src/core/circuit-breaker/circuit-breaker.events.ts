import type { CircuitState, CircuitStateChange } from './circuit-breaker.options.js';

/**
 * `onStateChange`: the breaker (or one partition) changed state (`type: 'breaker.state'`,
 * `from`, `to`, `at`, `partitionKey` when partitioned). The same object is kept in the history.
 * @publicApi
 */
export type BreakerStateEvent = CircuitStateChange;

/** `onSuccess`: an admitted call succeeded. @publicApi */
export interface BreakerSuccessEvent {
  readonly type: 'breaker.success';
  /** Name of the breaker. */
  readonly policy: string;
  /** How long the call ran, in ms (measured only while someone listens or slow calls are counted). */
  readonly durationMs: number;
}

/** `onFailure`: an admitted call failed with an error that counts as a failure (`failOn` / `excludeOn`). @publicApi */
export interface BreakerFailureEvent {
  readonly type: 'breaker.failure';
  readonly policy: string;
  /** How long the call ran before it failed, in ms. */
  readonly durationMs: number;
  readonly error: unknown;
}

/** `onRejected`: a call was refused because the breaker is open (or half-open with every trial slot taken). @publicApi */
export interface BreakerRejectedEvent {
  readonly type: 'breaker.rejected';
  readonly policy: string;
  /** The partition, for a partitioned breaker. */
  readonly partitionKey?: string;
  /** `open`, or `half_open` when every trial slot was taken. */
  readonly state: Exclude<CircuitState, 'closed'>;
  /** When the breaker next admits a trial call, in ms. */
  readonly retryAfterMs: number;
  /** The `CircuitBreakerOpenError` the call rejected with. */
  readonly error: unknown;
}

/** Every event a circuit breaker emits. @publicApi */
export type BreakerEvent = BreakerStateEvent | BreakerSuccessEvent | BreakerFailureEvent | BreakerRejectedEvent;
