import type { BulkheadPolicy } from '../bulkhead/bulkhead.policy.js';
import type { Clock, RandomSource } from '../clock.js';
import type { CircuitBreakerPolicy } from '../circuit-breaker/circuit-breaker.policy.js';
import type { FallbackPolicy } from '../fallback/fallback.policy.js';
import type { RateLimiterPolicy } from '../rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../retry/retry.policy.js';
import type { ResilienceStore } from '../store/store.js';
import type { TimeoutPolicy } from '../timeout/timeout.policy.js';

/**
 * Resolves policy names to policies, one method per kind; each throws `ResilienceConfigError`
 * listing the known names for a name it does not know. `ResilienceModule` provides one under
 * the {@link POLICY_RESOLVER} token (the application's registry); the HTTP layer and other
 * consumers depend on this interface, never on the registry class.
 * @publicApi
 */
export interface PolicyResolver {
  breaker(name: string): CircuitBreakerPolicy;
  retry(name: string): RetryPolicy;
  limiter(name: string): RateLimiterPolicy;
  timeout(name: string): TimeoutPolicy;
  bulkhead(name: string): BulkheadPolicy;
  fallback(name: string): FallbackPolicy;
  /** The clock the policies run on. */
  readonly clock?: Clock;
  /** The store the policies keep their state in (absent: each policy's own memory state). */
  readonly store?: ResilienceStore;
  /** The random source of the policies (retry jitter). */
  readonly random?: RandomSource;
}

/** Injection token of the application's {@link PolicyResolver}. @publicApi */
export const POLICY_RESOLVER: unique symbol = Symbol('nest-resilience:PolicyResolver');

/** A policy given by name (resolved through a {@link PolicyResolver}) or as an instance. @publicApi */
export type PolicyOption<P> = string | P;
