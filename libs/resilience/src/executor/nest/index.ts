/**
 * The Nest leaf of the executor layer: `ResilienceExecutorModule`, `@InjectExecutor`, the
 * tokens and the `ExecutorRegistry`.
 * @module nest-resilience/executor
 */
export { ResilienceExecutorModule } from './resilience-executor.module.js';
export { RESILIENCE_EXECUTOR_OPTIONS } from './resilience-executor.module-definition.js';
export { InjectExecutor } from './inject-executor.decorator.js';
export { getExecutorToken } from './executor.tokens.js';
export { ExecutorRegistry } from './executor.registry.js';
export { EXECUTOR_SOURCE, type ExecutorSource } from '../executor-source.js';
export {
  DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS,
  type ExecutorOptionsFactory,
  type RegisterExecutorAsyncOptions,
  type RegisterExecutorOptions,
  type ResilienceExecutorDeclarations,
  type ResilienceExecutorForRootOptions,
  type ResilienceExecutorModuleAsyncOptions,
  type ResilienceExecutorModuleOptions,
  type ResilienceExecutorOptionsFactory,
} from './resilience-executor.options.js';
