import { Injectable } from '@nestjs/common';
import type { CircuitBreakerSnapshot, CircuitState } from '../../core/circuit-breaker/circuit-breaker.options.js';
import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';
import { PolicyService } from './policy.service.js';

/**
 * Programmatic access to the circuit breakers: run a function through one, read state and
 * metrics, and control breakers by hand (e.g. from an admin endpoint).
 * @example
 * ```ts
 * constructor(private readonly breakers: CircuitBreakerService) {}
 * quote() { return this.breakers.execute('quotes', ({ signal }) => this.http.get('/quote', { signal })); }
 * ```
 * @publicApi
 */
@Injectable()
export class CircuitBreakerService extends PolicyService<'breaker'> {
  constructor(registry: ResilienceRegistry) {
    super(registry, 'breaker');
  }

  /** Where breaker state lives: `memory` unless a shared store (e.g. `redis`) is configured. */
  get storeKind(): string {
    return this.registry.storeKind;
  }

  /**
   * Runs `fn` through the breaker. `options.args` select the partition of a partitioned
   * breaker; `options.signal` is handed to `fn` in its context. Rejects with
   * `CircuitBreakerOpenError` (without calling `fn`) while the breaker is open.
   */
  override execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return super.execute(name, fn, options);
  }

  /** Effective state (an open breaker past its recovery time reports `half_open`). */
  state(name: string, partitionKey?: string): CircuitState {
    return this.get(name).state(partitionKey);
  }

  /** Metrics of the breaker (or of one partition). */
  snapshot(name: string, partitionKey?: string): CircuitBreakerSnapshot {
    return this.get(name).snapshot(partitionKey);
  }

  /** One snapshot per breaker (and per live partition of partitioned breakers). */
  snapshots(): CircuitBreakerSnapshot[] {
    return this.all().flatMap((b) => b.snapshots());
  }

  /** Closes the breaker and clears its counters (all partitions when no key is given). */
  reset(name: string, partitionKey?: string): void {
    this.get(name).reset(partitionKey);
  }

  /** Opens the breaker until `reset()`. */
  forceOpen(name: string, partitionKey?: string): void {
    this.get(name).forceOpen(partitionKey);
  }

  /** Lets every call through, recording nothing, until `reset()`. */
  disable(name: string, partitionKey?: string): void {
    this.get(name).disable(partitionKey);
  }
}
