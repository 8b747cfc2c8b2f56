export * from './resilience.module.js';
export {
  RESILIENCE_OPTIONS,
  type ResilienceModuleAsyncOptions,
  type ResilienceModuleExtras,
  type ResilienceOptionsFactory,
} from './resilience.module-definition.js';
export * from './resilience-options.interface.js';
export { RESILIENCE_CLOCK, RESILIENCE_REGISTRY, RESILIENCE_STORE, DEFAULT_POLICY } from './resilience.constants.js';
export { POLICY_RESOLVER, type PolicyResolver, type PolicyOption } from '../core/policy/policy-resolver.js';
export { ResilienceRegistry, type CreatedPolicy } from './registry/resilience.registry.js';
export type { KindName } from './registry/policy-kinds.js';
export * from './errors/index.js';
export * from './events/resilience-events.js';
export * from './services/circuit-breaker.service.js';
export * from './services/retry.service.js';
export * from './services/rate-limiter.service.js';
export * from './services/timeout.service.js';
export * from './services/bulkhead.service.js';
export * from './services/fallback.service.js';
export { CircuitBreaker } from './decorators/circuit-breaker.decorator.js';
export { WithRetry } from './decorators/with-retry.decorator.js';
export { RateLimited } from './decorators/rate-limited.decorator.js';
export { Timeout } from './decorators/timeout.decorator.js';
export { Bulkhead } from './decorators/bulkhead.decorator.js';
export { Fallback } from './decorators/fallback.decorator.js';
export type { PolicyRef } from './decorators/method-spec.js';
export * from './filters/index.js';
