import type { ModuleMetadata, Type } from '@nestjs/common';
import type { CircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import type { Clock, RandomSource } from '../core/clock.js';
import type { RateLimiterOptions } from '../core/rate-limiter/rate-limiter.options.js';
import type { RetryOptions } from '../core/retry/retry.options.js';
import type { ResilienceStore } from '../core/store/store.js';

/**
 * Named policies of one kind. The `default` entry is merged into every named policy and
 * into every policy a decorator defines inline.
 * @publicApi
 */
export type PolicyMap<T> = { default?: Partial<T> & SharedOption } & Record<string, Partial<T> & SharedOption>;

/**
 * Whether a policy keeps its state in the configured shared store (e.g. Redis). Limiters use
 * it unless `shared: false`; breakers only with `shared: true`. No effect with the memory store.
 * @publicApi
 */
export interface SharedOption {
  shared?: boolean;
  /**
   * What this shared policy does while the store cannot answer: `fail-open` (local per-process
   * state) or `fail-closed` (`StoreUnavailableError`). Default: the store's `onStoreError`.
   */
  onStoreError?: 'fail-open' | 'fail-closed';
}

/**
 * Store configuration: a {@link ResilienceStore} instance, or a description of one that the
 * module creates (and closes) itself, e.g. `{ type: 'redis', url }`.
 * @publicApi
 */
export type StoreConfig = ResilienceStore | { type: 'memory' } | ({ type: 'redis' } & Record<string, unknown>);

/** Options of {@link ResilienceModule.forRoot}. @publicApi */
export interface ResilienceModuleOptions {
  /** Circuit breakers by name. */
  breakers?: PolicyMap<CircuitBreakerOptions>;
  /** Retry policies by name. */
  retries?: PolicyMap<RetryOptions>;
  /** Rate limiters by name. */
  limiters?: PolicyMap<RateLimiterOptions>;
  /** Where breaker and limiter state lives. Default: in memory. */
  store?: StoreConfig;
  /** Time source (inject a `VirtualClock` in tests). Default: the system clock. */
  clock?: Clock;
  /** Random source for jitter. Default: `Math.random`. */
  random?: RandomSource;
}

/** A class that builds the options (for `forRootAsync({ useClass })`). @publicApi */
export interface ResilienceOptionsFactory {
  createResilienceOptions(): ResilienceModuleOptions | Promise<ResilienceModuleOptions>;
}

/** Options of {@link ResilienceModule.forRootAsync}. @publicApi */
export interface ResilienceModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory?: (...args: any[]) => ResilienceModuleOptions | Promise<ResilienceModuleOptions>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  useClass?: Type<ResilienceOptionsFactory>;
  useExisting?: Type<ResilienceOptionsFactory>;
}
