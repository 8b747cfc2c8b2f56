import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/**
 * Raised by a **local** rate limiter in `reject` mode, or in `wait` mode when the caller could
 * not be admitted within `maxWaitMs` (raised at once, without waiting first). Transient.
 * Not to be confused with `UpstreamRateLimitError` (`nest-resilience/http`): a 429 the upstream sent.
 * @publicApi
 */
export class RateLimiterRejectedError extends ResilienceError {
  /** Brand read by {@link isRateLimiterRejectedError}. */
  readonly isRateLimiterRejectedError = true as const;
  override readonly isTransient = true;

  constructor(
    /** Name of the limiter. */
    readonly policy: string,
    /** Ms until `tokens` tokens are available. */
    readonly retryAfterMs: number,
    /** Tokens the call asked for. */
    readonly tokens: number,
    /** The partition that is over its limit, for a partitioned limiter. */
    readonly partitionKey?: string,
  ) {
    super(
      `Rate limit '${policy}'${partitionKey !== undefined ? ` [${partitionKey}]` : ''} exceeded: ${tokens} token(s) available in ${Math.ceil(retryAfterMs)} ms`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      policy: this.policy,
      retryAfterMs: this.retryAfterMs,
      tokens: this.tokens,
      partitionKey: this.partitionKey,
    };
  }
}

/** True for a {@link RateLimiterRejectedError} from any copy of the package. @publicApi */
export function isRateLimiterRejectedError(error: unknown): error is RateLimiterRejectedError {
  return hasErrorBrand(error, 'isRateLimiterRejectedError');
}
