import type { Executor } from './executor.js';

/**
 * The executors of an application, as a reader sees them (the health indicator): the Nest
 * layer's `ExecutorRegistry` provides itself under {@link EXECUTOR_SOURCE}. Framework-free so
 * that `health/` can depend on it without depending on the Nest layer of the executor.
 * @publicApi
 */
export interface ExecutorSource {
  /** Every registered executor, in registration order. */
  list(): readonly Executor[];
}

/** Injection token of the application's {@link ExecutorSource} (the `ExecutorRegistry`). @publicApi */
export const EXECUTOR_SOURCE: unique symbol = Symbol('nest-resilience:ExecutorSource');
