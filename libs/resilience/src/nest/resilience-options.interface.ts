import type { Clock, RandomSource } from '../core/clock.js';
import type { ResilienceStore, StoreErrorPolicy } from '../core/store/store.js';
import type { IsStoredKind, KindName, OptionsOf, SectionOf } from './registry/policy-kinds.js';

/**
 * Named policies of one kind. The `default` entry is merged into every named policy of the
 * section and into every policy a decorator of that kind defines inline (the entry winning).
 * @publicApi
 */
export type PolicyMap<T> = { default?: Partial<T> } & Record<string, Partial<T>>;

/**
 * Whether a breaker or limiter keeps its state in the configured shared store (e.g. Redis).
 * Limiters use it unless `shared: false`; breakers only with `shared: true`. No effect with the
 * memory store. The other kinds keep no shared state and refuse these options.
 * @publicApi
 */
export interface SharedOption {
  shared?: boolean;
  /**
   * What this shared policy does while the store cannot answer: `fail-open` (local per-process
   * state) or `fail-closed` (`StoreUnavailableError`). Default: the store's `onStoreError`.
   */
  onStoreError?: StoreErrorPolicy;
}

/**
 * The named policies of every kind, one module section per kind (from the kinds table):
 * `breakers` (circuit breakers), `retries`, `limiters` (rate limiters), `timeouts`, `bulkheads`
 * and `fallbacks`. Breakers and limiters also take {@link SharedOption}.
 * @publicApi
 */
export type PolicySections = {
  [K in KindName as SectionOf<K>]?: PolicyMap<
    IsStoredKind<K> extends true ? OptionsOf<K> & SharedOption : OptionsOf<K>
  >;
};

/**
 * Store configuration: a {@link ResilienceStore} instance, or a description of one that the
 * module creates (and closes) itself, e.g. `{ type: 'redis', url }`.
 * @publicApi
 */
export type StoreConfig = ResilienceStore | { type: 'memory' } | ({ type: 'redis' } & Record<string, unknown>);

/**
 * Options of `ResilienceModule.forRoot` (and what a `forRootAsync` factory returns): the policy
 * sections ({@link PolicySections}) plus what the policies run on.
 * @publicApi
 */
export interface ResilienceModuleOptions extends PolicySections {
  /** Where breaker and limiter state lives. Default: in memory (per process). */
  store?: StoreConfig;
  /** Time source (inject a `VirtualClock` in tests). Default: `systemClock`. */
  clock?: Clock;
  /** Random source for jitter. Default: `Math.random`. */
  random?: RandomSource;
}
