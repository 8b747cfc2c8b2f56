/**
 * The executor layer: `Executor` (a queue with lanes, requests and API-token limits, retries and
 * a breaker, composed from the core policies) and `NetworkRequestEvent` (framework-free), plus the
 * Nest leaf from `./nest/` (`ResilienceExecutorModule`, `@InjectExecutor`), as the http layer does.
 * @module nest-resilience/executor
 */
export { Executor } from './executor.js';
export {
  EXECUTOR_DEFAULTS,
  type ExecutorDeps,
  type ExecutorLaneOptions,
  type ExecutorOptions,
  type ExecutorSnapshot,
  type ExecutorTask,
  type DispatchGate,
  type ExecutorTaskContext,
  type SubmitOptions,
} from './executor.options.js';
export { normalizeExecutorOptions } from './executor.normalize.js';
export { NetworkRequestEvent, type RequestStatusChange } from './network-request-event.js';
export { isTerminalStatus, RequestStatus } from './request-status.js';
export { CALIBRATION_WINDOW } from './token-calibration.js';
export * from './errors/index.js';

// The Nest leaf: ResilienceExecutorModule, @InjectExecutor, getExecutorToken, ExecutorRegistry.
export * from './nest/index.js';
