/**
 * What `AdaptiveRateLimiter.onRateChange` listeners receive: the rate changed, or a response
 * (or {@link AdaptiveRateLimiter.pause}) paused the bucket, or a healthy response ended a pause.
 * @publicApi
 */
export interface AdaptiveRateChange {
  readonly type: 'adaptive.rate';
  /** The limiter's name. */
  readonly policy: string;
  /** Rate in force after the change (tokens per period). */
  readonly rate: number;
  /** Rate before it. */
  readonly previousRate: number;
  /** Set when the change paused the bucket: epoch ms (the limiter's clock) until which nobody is admitted. */
  readonly pausedUntil?: number;
  /** True when a healthy response ended a pause early. */
  readonly resumed?: boolean;
  /** What caused it: response headers, `setRate()` or `pause()`. */
  readonly cause: 'headers' | 'set-rate' | 'pause';
}

/** Builds an {@link AdaptiveRateChange} (optional fields only when set). @internal */
export function rateChange(
  policy: string,
  rate: number,
  previousRate: number,
  pausedUntil: number | undefined,
  resumed: boolean | undefined,
  cause: AdaptiveRateChange['cause'],
): AdaptiveRateChange {
  const event: { -readonly [K in keyof AdaptiveRateChange]: AdaptiveRateChange[K] } = {
    type: 'adaptive.rate',
    policy,
    rate,
    previousRate,
    cause,
  };
  if (pausedUntil !== undefined) event.pausedUntil = pausedUntil;
  if (resumed === true) event.resumed = true;
  return event;
}
