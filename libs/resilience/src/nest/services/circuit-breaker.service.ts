import { Injectable } from '@nestjs/common';
import type { CircuitBreakerSnapshot, CircuitState } from '../../core/circuit-breaker/circuit-breaker.options.js';
import type { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';

/**
 * Programmatic access to the circuit breakers: run a function through one, read state and
 * metrics, and control breakers by hand (e.g. from an admin endpoint).
 * @example
 * ```ts
 * constructor(private readonly breakers: CircuitBreakerService) {}
 * quote() { return this.breakers.execute('quotes', () => this.http.get('/quote')); }
 * ```
 * @publicApi
 */
@Injectable()
export class CircuitBreakerService {
  constructor(private readonly registry: ResilienceRegistry) {}

  /** The breaker named `name`; throws `ResilienceConfigError` when none exists. */
  get(name: string): CircuitBreakerPolicy {
    return this.registry.breaker(name);
  }

  /** Runs `fn` through the breaker. `args` select the partition of a partitioned breaker. */
  execute<T>(name: string, fn: () => T | Promise<T>, args?: readonly unknown[]): Promise<T> {
    return this.registry.breaker(name).execute(fn, args);
  }

  /** Names of every breaker (configured and created by decorators). */
  names(): string[] {
    return this.registry.names('breaker');
  }

  /** Effective state (an open breaker past its recovery time reports `half_open`). */
  state(name: string, partitionKey?: string): CircuitState {
    return this.registry.breaker(name).state(partitionKey);
  }

  snapshot(name: string, partitionKey?: string): CircuitBreakerSnapshot {
    return this.registry.breaker(name).snapshot(partitionKey);
  }

  /** One snapshot per breaker (and per live partition of partitioned breakers). */
  snapshots(): CircuitBreakerSnapshot[] {
    return this.registry.breakers().flatMap((b) => b.snapshots());
  }

  /** Closes the breaker and clears its counters (all partitions when no key is given). */
  reset(name: string, partitionKey?: string): void {
    this.registry.breaker(name).reset(partitionKey);
  }

  /** Opens the breaker until `reset()`. */
  forceOpen(name: string, partitionKey?: string): void {
    this.registry.breaker(name).forceOpen(partitionKey);
  }

  /** Lets every call through, recording nothing, until `reset()`. */
  disable(name: string, partitionKey?: string): void {
    this.registry.breaker(name).disable(partitionKey);
  }
}
