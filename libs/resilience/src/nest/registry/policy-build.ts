import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { normalizeCircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.normalize.js';
import type { Clock, RandomSource } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { normalizeRateLimiterOptions } from '../../core/rate-limiter/rate-limiter.normalize.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { normalizeRetryOptions } from '../../core/retry/retry.normalize.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { optionalEnum } from '../../core/options/validate.js';
import { DEFAULT_POLICY } from '../resilience.constants.js';

/** The three kinds of policy a registry holds. */
export type Kind = 'breaker' | 'retry' | 'limiter';
/** A policy of any kind. */
export type AnyPolicy = CircuitBreakerPolicy | RetryPolicy | RateLimiterPolicy;

/** The module option section of each kind. */
export const SECTION: Record<Kind, 'breakers' | 'retries' | 'limiters'> = {
  breaker: 'breakers',
  retry: 'retries',
  limiter: 'limiters',
};
const STORE_ERROR_POLICIES = ['fail-open', 'fail-closed'] as const;

/** What the policies of one registry run on (checked by the registry before). */
export interface PolicyEnv {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** The configured store; `undefined` for in-process memory. */
  readonly store: ResilienceStore | undefined;
}

/**
 * Validates the `default` entry of a section on its own (paths `<section>.default.<option>`),
 * so a bad default fails even when no policy of that kind is configured.
 */
export function validateDefaults(kind: Kind, defaults: Record<string, unknown>): void {
  const path = `${SECTION[kind]}.${DEFAULT_POLICY}`;
  const { shared: _shared, onStoreError, ...rest } = defaults;
  optionalEnum(`${path}.onStoreError`, onStoreError, STORE_ERROR_POLICIES, 'fail-open');
  if (kind === 'breaker') normalizeCircuitBreakerOptions(rest, path);
  else if (kind === 'retry') normalizeRetryOptions(rest, path);
  else if (rest.rate !== undefined) normalizeRateLimiterOptions(rest as never, path);
}

/**
 * Creates one policy from its merged options (defaults, then its own), validated under `path`.
 * `shared` and `onStoreError` choose the store: breakers use the shared store only with
 * `shared: true`, limiters unless `shared: false`; retries keep no state.
 */
export function buildPolicy(
  env: PolicyEnv,
  kind: Kind,
  name: string,
  merged: Record<string, unknown>,
  path: string,
): AnyPolicy {
  const { shared, onStoreError, ...options } = merged;
  if (shared !== undefined && typeof shared !== 'boolean')
    throw new ResilienceConfigError(`${path}.shared`, shared, 'a boolean');
  const clock = env.clock;
  const shareable = env.store !== undefined && env.store.kind !== 'memory';
  const errorPath = `${path}.onStoreError`;
  const errorPolicy =
    onStoreError === undefined ? undefined : optionalEnum(errorPath, onStoreError, STORE_ERROR_POLICIES, 'fail-open');
  const storeFor = (uses: boolean) => (uses ? sharedStore(env.store!, errorPolicy, errorPath) : undefined);
  if (kind === 'breaker') {
    const store = storeFor(shareable && shared === true);
    return new CircuitBreakerPolicy(name, normalizeCircuitBreakerOptions(options, path), { clock, store });
  }
  if (kind === 'retry') {
    return new RetryPolicy(name, normalizeRetryOptions(options, path), { clock, random: env.random });
  }
  if (options.rate === undefined) {
    throw new ResilienceConfigError(
      `${path}.rate`,
      undefined,
      `a number > 0 (set it here or in ${SECTION.limiter}.default)`,
    );
  }
  const store = storeFor(shareable && shared !== false);
  return new RateLimiterPolicy(name, normalizeRateLimiterOptions(options as never, path), { clock, store });
}

/** The shared store, seen with the policy's own `onStoreError` when it sets one. */
function sharedStore(
  store: ResilienceStore,
  onStoreError: 'fail-open' | 'fail-closed' | undefined,
  path: string,
): ResilienceStore {
  if (onStoreError === undefined) return store;
  if (store.withStoreErrorPolicy === undefined)
    throw new ResilienceConfigError(
      path,
      onStoreError,
      `no onStoreError: the ${store.kind} store has no per-policy failure mode`,
    );
  return store.withStoreErrorPolicy(onStoreError);
}
