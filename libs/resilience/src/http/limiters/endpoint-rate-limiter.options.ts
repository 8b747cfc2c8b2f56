import type { Clock } from '../../core/clock.js';
import type { AdmissionMode } from '../../core/options/admission.js';
import type { ExecuteOptions } from '../../core/policy/execute-options.js';
import type { ResilienceStore } from '../../core/store/store.js';

/** Limits of one endpoint: `rate` calls per `periodMs` ms, at most `burst` at once. @publicApi */
export interface EndpointLimit {
  rate: number;
  /** Default: the limiter's default period. */
  periodMs?: number;
  /** Default: `max(1, rate)`. */
  burst?: number;
}

/** Options of an {@link EndpointRateLimiter}. @publicApi */
export interface EndpointRateLimiterOptions {
  /**
   * Name used in snapshots, store keys (policy `<name>:<key>`, store key `limiter:<name>%3A<key>`)
   * and error paths (`endpointLimiters.<name>.…`). Default `'endpoints'`.
   */
  name?: string;
  /** Default rate of an endpoint without its own limit. Default 10. */
  rate?: number;
  /** Default period, ms. Default 1000. */
  periodMs?: number;
  /** Default burst. Default `max(1, rate)`. */
  burst?: number;
  /** `wait` (queue FIFO up to `maxWaitMs`) or `reject`. Default `wait`. */
  mode?: AdmissionMode;
  /** Longest wait in `wait` mode, ms. Default 30000. */
  maxWaitMs?: number;
  /** Limits of known endpoints, by key. */
  limits?: Readonly<Record<string, EndpointLimit>>;
  /** Most endpoint buckets kept; idle ones (full, nobody waiting) are evicted first. Default 1000. */
  maxEndpoints?: number;
}

/** Clock and store the buckets run on. @publicApi */
export interface EndpointRateLimiterDeps {
  /** Default `systemClock`. */
  clock?: Clock;
  /** Default: memory buckets of its own. */
  store?: ResilienceStore;
}

/**
 * Options of one {@link EndpointRateLimiter.execute} call: the endpoint `key` whose bucket it
 * draws from, plus the common {@link ExecuteOptions} (`tokens` default 1; `args` unused).
 * @publicApi
 */
export interface EndpointExecuteOptions extends ExecuteOptions {
  /** The endpoint: `"openai:chat"`, a host, a route. */
  readonly key: string;
}

/**
 * Fixed defaults of {@link EndpointRateLimiterOptions} (`burst` follows `rate`: `max(1, rate)`).
 * @publicApi
 */
export const ENDPOINT_RATE_LIMITER_DEFAULTS = Object.freeze({
  name: 'endpoints',
  rate: 10,
  periodMs: 1000,
  mode: 'wait',
  maxWaitMs: 30_000,
  maxEndpoints: 1000,
} as const);

/** A validated endpoint limit. @publicApi */
export interface NormalizedEndpointLimit {
  rate: number;
  periodMs: number;
  burst: number;
}

/** {@link EndpointRateLimiterOptions} validated, defaults applied. @internal */
export interface NormalizedEndpointRateLimiterOptions {
  name: string;
  /** The limit of an endpoint without its own. */
  defaults: NormalizedEndpointLimit;
  mode: AdmissionMode;
  /** 0 in `reject` mode. */
  maxWaitMs: number;
  limits: Map<string, NormalizedEndpointLimit>;
  maxEndpoints: number;
}
