import type { RateLimiterOptions } from '../../core/rate-limiter/rate-limiter.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Admits calls through a token bucket. In `wait` mode callers queue FIFO (up to
 * `maxWaitMs`); in `reject` mode they fail at once with `RateLimiterRejectedError`.
 * @example
 * ```ts
 * @RateLimited({ rate: 50, periodMs: 1000, tokens: (req: ChatRequest) => req.maxTokens })
 * async complete(req: ChatRequest) { ... }
 * ```
 * @publicApi
 */
export function RateLimited(nameOrOptions?: PolicyRef<RateLimiterOptions>): MethodDecorator {
  return addPolicy('limiter', nameOrOptions);
}
