/** `onWait`: a call could not have its tokens at once and waits for them (in `wait` mode). @publicApi */
export interface LimiterWaitEvent {
  readonly type: 'limiter.wait';
  /** Name of the limiter. */
  readonly policy: string;
  /** Tokens the call waits for. */
  readonly tokens: number;
  /** The call's lane name (limiters with `lanes` only). */
  readonly lane?: string;
}

/**
 * `onRejected`: a call was refused (`reject` mode, or a wait that would pass `maxWaitMs`) with
 * `RateLimiterRejectedError`. Aborted waits are not refusals.
 * @publicApi
 */
export interface LimiterRejectedEvent {
  readonly type: 'limiter.rejected';
  readonly policy: string;
  /** The partition, for a partitioned limiter. */
  readonly partitionKey?: string;
  /** Tokens the call asked for. */
  readonly tokens: number;
  /** The call's lane name (limiters with `lanes` only). */
  readonly lane?: string;
  /** When those tokens would be there, in ms. */
  readonly retryAfterMs: number;
  /** The `RateLimiterRejectedError` the call rejected with. */
  readonly error: unknown;
}

/** Every event a rate limiter emits. @publicApi */
export type LimiterEvent = LimiterWaitEvent | LimiterRejectedEvent;
