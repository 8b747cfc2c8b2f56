import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ResilienceConfigError } from '../core/errors/index.js';
import { POLICY_RESOLVER } from '../core/policy/policy-resolver.js';
import { ResilienceEvents } from './events/resilience-events.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';
import { RESILIENCE_CLOCK, RESILIENCE_REGISTRY, RESILIENCE_STORE } from './resilience.constants.js';
import {
  RESILIENCE_OPTIONS,
  ResilienceConfigurableModule,
  type RESILIENCE_ASYNC_OPTIONS_TYPE,
  type RESILIENCE_OPTIONS_TYPE,
} from './resilience.module-definition.js';
import { ResilienceExplorer } from './resilience.explorer.js';
import type { ResilienceModuleOptions } from './resilience-options.interface.js';
import { BulkheadService } from './services/bulkhead.service.js';
import { CircuitBreakerService } from './services/circuit-breaker.service.js';
import { FallbackService } from './services/fallback.service.js';
import { RateLimiterService } from './services/rate-limiter.service.js';
import { RetryService } from './services/retry.service.js';
import { TimeoutService } from './services/timeout.service.js';

const SERVICES = [
  CircuitBreakerService,
  RetryService,
  RateLimiterService,
  TimeoutService,
  BulkheadService,
  FallbackService,
  ResilienceEvents,
];

const providers: Provider[] = [
  {
    provide: ResilienceRegistry,
    useFactory: (options: ResilienceModuleOptions) => ResilienceRegistry.create(options),
    inject: [RESILIENCE_OPTIONS],
  },
  { provide: RESILIENCE_REGISTRY, useExisting: ResilienceRegistry },
  { provide: POLICY_RESOLVER, useExisting: ResilienceRegistry },
  { provide: RESILIENCE_CLOCK, useFactory: (r: ResilienceRegistry) => r.clock, inject: [ResilienceRegistry] },
  // `null` when state is in memory (a factory must give Nest a value).
  { provide: RESILIENCE_STORE, useFactory: (r: ResilienceRegistry) => r.store ?? null, inject: [ResilienceRegistry] },
  ...SERVICES,
  ResilienceExplorer,
];

/**
 * The module holding the named policies: import it once, in the root module. Global by
 * default (`isGlobal: false` to import it where needed). It provides the services
 * (`CircuitBreakerService`, `RetryService`, `RateLimiterService`, `TimeoutService`,
 * `BulkheadService`, `FallbackService`), the `ResilienceEvents` stream, and the tokens
 * `RESILIENCE_REGISTRY`, `POLICY_RESOLVER`, `RESILIENCE_CLOCK` and `RESILIENCE_STORE`. Bootstrap fails (naming the option) on bad options and on a decorator
 * naming a policy that does not exist.
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ResilienceModule.forRoot({
 *       breakers: { default: { recoveryTimeMs: 10_000 }, payments: { failureThreshold: 3 } },
 *       retries: { default: { maxRetries: 2, baseDelayMs: 200 } },
 *       limiters: { openai: { rate: 50, periodMs: 1000 } },
 *       timeouts: { search: { timeoutMs: 2_000 } },
 *       bulkheads: { reports: { maxConcurrent: 4, maxQueued: 16 } },
 *       fallbacks: { emptyList: { value: [] } },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * With options from other providers: `ResilienceModule.forRootAsync({ imports: [ConfigModule],
 * inject: [ConfigService], useFactory: (config) => ({ ... }) })`, or `useClass` / `useExisting`
 * with a class implementing `createResilienceOptions()`.
 * @publicApi
 */
@Module({
  imports: [DiscoveryModule],
  providers,
  exports: providers
    .filter((p) => p !== ResilienceExplorer)
    .map((p) => (typeof p === 'object' && 'provide' in p ? p.provide : p)),
})
export class ResilienceModule extends ResilienceConfigurableModule {
  /** Registers the module with options known up front. Default: no named policies, in memory. */
  static override forRoot(options: typeof RESILIENCE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }

  /**
   * Registers the module with options built by `useFactory` (with `inject`), `useClass` or
   * `useExisting` (a class with `createResilienceOptions()`); exactly one of them.
   */
  static override forRootAsync(options: typeof RESILIENCE_ASYNC_OPTIONS_TYPE): DynamicModule {
    const given = (['useFactory', 'useClass', 'useExisting'] as const).filter((k) => options?.[k] !== undefined);
    if (given.length !== 1)
      throw new ResilienceConfigError(
        'ResilienceModule.forRootAsync',
        given.length === 0 ? options : given.join(' and '),
        'exactly one of useFactory, useClass or useExisting',
      );
    return super.forRootAsync(options);
  }
}
