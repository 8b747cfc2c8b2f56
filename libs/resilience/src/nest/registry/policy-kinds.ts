import { BulkheadPolicy } from '../../core/bulkhead/bulkhead.policy.js';
import { normalizeBulkheadOptions } from '../../core/bulkhead/bulkhead.normalize.js';
import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { normalizeCircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.normalize.js';
import type { Clock, RandomSource } from '../../core/clock.js';
import type { Event } from '../../core/events/event-emitter.js';
import { FallbackPolicy } from '../../core/fallback/fallback.policy.js';
import { normalizeFallbackOptions } from '../../core/fallback/fallback.normalize.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { normalizeRateLimiterOptions } from '../../core/rate-limiter/rate-limiter.normalize.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { normalizeRetryOptions } from '../../core/retry/retry.normalize.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { normalizeTimeoutOptions } from '../../core/timeout/timeout.normalize.js';
import { TimeoutPolicy } from '../../core/timeout/timeout.policy.js';

/** What a kind's `create` gets: the registry's clock and random source, and the store chosen for the policy. */
export interface KindDeps {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The shared store when the policy uses it (see {@link PolicyKind.sharedByDefault}); else undefined (memory). */
  readonly store: ResilienceStore | undefined;
}

/** A subscription of any event type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEvent = Event<any>;

/**
 * One kind of policy, as the registry, the decorators and the module options see it.
 * @typeParam O options a user writes; N the normalized options; P the policy.
 */
export interface PolicyKind<
  O,
  N,
  P,
  S extends string = string,
  D extends boolean | undefined = boolean | undefined,
  V extends readonly AnyEvent[] = readonly AnyEvent[],
> {
  /** The module option section holding the named policies (`breakers`, `retries`, ...). */
  readonly section: S;
  /** The decorator's name in messages (`@CircuitBreaker`). */
  readonly decorator: string;
  /**
   * Whether the policy keeps its state in the configured shared store: `true` unless the entry
   * says `shared: false` (limiters), `false` unless it says `shared: true` (breakers), or
   * `undefined` for kinds that keep no shared state (`shared` and `onStoreError` are then refused).
   */
  readonly sharedByDefault: D;
  /**
   * Options of which at least one must be set, in the entry or the section's `default`
   * (checked before `normalize`, so the message says where it may be set).
   */
  readonly requires?: { readonly anyOf: readonly string[]; readonly expected: string };
  /** Validates and applies defaults; errors name `path.<option>`. */
  normalize(options: O, path: string): N;
  /** Creates the policy from normalized options. */
  create(name: string, options: N, deps: KindDeps): P;
  /**
   * The policy's event subscriptions (its `onX` fields), which `ResilienceEvents` subscribes to
   * while it has listeners. Every event has a `type` (`'timeout'`, `'breaker.state'`, ...).
   */
  events(policy: P): V;
}

/**
 * Every kind of policy: the one table that module validation, policy construction, decorator
 * names, lookup by name, `default` merging and the "known names" messages read. Adding a kind is
 * one entry here plus its folder in `core/` (options, normalize, policy), its decorator and its
 * service.
 * @internal
 */
export const POLICY_KINDS = {
  breaker: defineKind({
    section: 'breakers',
    decorator: '@CircuitBreaker',
    sharedByDefault: false,
    normalize: normalizeCircuitBreakerOptions,
    create: (name, options, deps) => new CircuitBreakerPolicy(name, options, { clock: deps.clock, store: deps.store }),
    events: (p) => [p.onStateChange, p.onSuccess, p.onFailure, p.onRejected] as const,
  }),
  retry: defineKind({
    section: 'retries',
    decorator: '@WithRetry',
    sharedByDefault: undefined,
    normalize: normalizeRetryOptions,
    create: (name, options, deps) => new RetryPolicy(name, options, { clock: deps.clock, random: deps.random }),
    events: (p) => [p.onRetry, p.onGiveUp] as const,
  }),
  limiter: defineKind({
    section: 'limiters',
    decorator: '@RateLimited',
    sharedByDefault: true,
    requires: { anyOf: ['rate'], expected: 'a number > 0' },
    normalize: normalizeRateLimiterOptions,
    create: (name, options, deps) => new RateLimiterPolicy(name, options, { clock: deps.clock, store: deps.store }),
    events: (p) => [p.onWait, p.onRejected] as const,
  }),
  timeout: defineKind({
    section: 'timeouts',
    decorator: '@Timeout',
    sharedByDefault: undefined,
    requires: {
      anyOf: ['timeoutMs', 'totalTimeoutMs'],
      expected:
        'a number of ms > 0 (a timeout needs timeoutMs per attempt, totalTimeoutMs for the whole call, or both)',
    },
    normalize: normalizeTimeoutOptions,
    create: (name, options, deps) => new TimeoutPolicy(name, options, { clock: deps.clock }),
    events: (p) => [p.onTimeout] as const,
  }),
  bulkhead: defineKind({
    section: 'bulkheads',
    decorator: '@Bulkhead',
    // A bulkhead guards this process's resources: never shared through a store.
    sharedByDefault: undefined,
    requires: { anyOf: ['maxConcurrent'], expected: 'an integer >= 1' },
    normalize: normalizeBulkheadOptions,
    create: (name, options, deps) => new BulkheadPolicy(name, options, { clock: deps.clock }),
    events: (p) => [p.onQueued, p.onRejected] as const,
  }),
  fallback: defineKind({
    section: 'fallbacks',
    decorator: '@Fallback',
    sharedByDefault: undefined,
    requires: {
      anyOf: ['value', 'fn', 'method'],
      expected: 'exactly one of value, fn (error, ...args) or method (a method name on the decorated instance)',
    },
    normalize: normalizeFallbackOptions,
    create: (name, options) => new FallbackPolicy(name, options),
    events: (p) => [p.onFallback] as const,
  }),
} as const;

/** Infers a descriptor's types (options from `normalize`, policy from `create`, the literal section). */
function defineKind<
  O,
  N,
  P,
  const S extends string,
  const D extends boolean | undefined,
  V extends readonly AnyEvent[],
>(kind: PolicyKind<O, N, P, S, D, V>): PolicyKind<O, N, P, S, D, V> {
  return kind;
}

/** The name of a kind: `breaker`, `retry`, `limiter`, ... @publicApi */
export type KindName = keyof typeof POLICY_KINDS;
/** The policy class of a kind. */
export type PolicyOf<K extends KindName> = ReturnType<(typeof POLICY_KINDS)[K]['create']>;
/** The options a user writes for a kind. */
export type OptionsOf<K extends KindName> = NonNullable<Parameters<(typeof POLICY_KINDS)[K]['normalize']>[0]>;
/** The module option section of a kind. */
export type SectionOf<K extends KindName> = (typeof POLICY_KINDS)[K]['section'];

/** True for kinds whose policies may keep their state in the shared store (`shared`, `onStoreError`). */
export type IsStoredKind<K extends KindName> = (typeof POLICY_KINDS)[K]['sharedByDefault'] extends boolean
  ? true
  : false;

/** The events the policies of kind `K` emit. */
export type EventOf<K extends KindName> = EventsOf<ReturnType<(typeof POLICY_KINDS)[K]['events']>[number]>;
type EventsOf<V> = V extends Event<infer T> ? T : never;

/** Every kind, in table order. */
export const KIND_NAMES = Object.keys(POLICY_KINDS) as KindName[];
