import type { RandomSource, Clock } from '../core/clock.js';
import { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import type { CircuitBreakerOptions } from '../core/circuit-breaker/circuit-breaker.options.js';
import { ResilienceConfigError } from '../core/errors/config.error.js';
import type { PolicyDeps } from '../core/policy/policy-deps.js';
import type { PolicyResolver } from '../core/policy/policy-resolver.js';
import { RetryPolicy } from '../core/retry/retry.policy.js';
import type { RetryOptions } from '../core/retry/retry.options.js';

/** The executor's retry policy: by name (through `resolver`), inline options (`<executor>.retry`), or an instance. @internal */
export function resolveRetry(
  executor: string,
  option: string | RetryOptions | RetryPolicy | undefined,
  resolver: PolicyResolver | undefined,
  deps: { clock: Clock; random: RandomSource | undefined },
): RetryPolicy | undefined {
  if (option === undefined) return undefined;
  if (option instanceof RetryPolicy) return option;
  if (typeof option === 'string') return byName(executor, 'retry', option, resolver, (r) => r.retry(option));
  return RetryPolicy.create(
    `${executor}.retry`,
    option,
    deps.random === undefined ? { clock: deps.clock } : { clock: deps.clock, random: deps.random },
  );
}

/** The executor's breaker: by name, inline options (`<executor>.breaker`), or an instance. @internal */
export function resolveBreaker(
  executor: string,
  option: string | CircuitBreakerOptions | CircuitBreakerPolicy | undefined,
  resolver: PolicyResolver | undefined,
  deps: PolicyDeps,
): CircuitBreakerPolicy | undefined {
  if (option === undefined) return undefined;
  if (option instanceof CircuitBreakerPolicy) return option;
  if (typeof option === 'string') return byName(executor, 'circuitBreaker', option, resolver, (r) => r.breaker(option));
  return CircuitBreakerPolicy.create(`${executor}.breaker`, option, deps);
}

function byName<P>(
  executor: string,
  key: string,
  name: string,
  resolver: PolicyResolver | undefined,
  get: (r: PolicyResolver) => P,
): P {
  if (resolver === undefined)
    throw new ResilienceConfigError(
      `executors.${executor}.${key}`,
      name,
      'inline options or a policy instance (a name needs deps.resolver)',
    );
  return get(resolver);
}
