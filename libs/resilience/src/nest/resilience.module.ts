import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CircuitBreakerService } from './services/circuit-breaker.service.js';
import { RateLimiterService } from './services/rate-limiter.service.js';
import { RESILIENCE_OPTIONS } from './resilience.constants.js';
import { ResilienceExplorer } from './resilience.explorer.js';
import type {
  ResilienceModuleAsyncOptions,
  ResilienceModuleOptions,
  ResilienceOptionsFactory,
} from './resilience-options.interface.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';
import { RetryService } from './services/retry.service.js';

const registryProvider: Provider = {
  provide: ResilienceRegistry,
  useFactory: (options: ResilienceModuleOptions) => ResilienceRegistry.create(options),
  inject: [RESILIENCE_OPTIONS],
};

const exported = [ResilienceRegistry, CircuitBreakerService, RetryService, RateLimiterService];

/**
 * Global module holding the named policies. Import it once, in the root module.
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     ResilienceModule.forRoot({
 *       breakers: { default: { recoveryTimeMs: 10_000 }, payments: { failureThreshold: 3 } },
 *       retries: { default: { maxRetries: 2, baseDelayMs: 200 } },
 *       limiters: { openai: { rate: 50, periodMs: 1000 } },
 *     }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Global()
@Module({})
export class ResilienceModule {
  /** Registers the module with options known up front. */
  static forRoot(options: ResilienceModuleOptions = {}): DynamicModule {
    return ResilienceModule.build([{ provide: RESILIENCE_OPTIONS, useValue: options }], []);
  }

  /** Registers the module with options built by a factory (e.g. from `ConfigService`). */
  static forRootAsync(options: ResilienceModuleAsyncOptions): DynamicModule {
    const providers: Provider[] = [];
    if (options.useFactory) {
      providers.push({ provide: RESILIENCE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] });
    } else if (options.useClass || options.useExisting) {
      const factoryClass = (options.useClass ?? options.useExisting)!;
      if (options.useClass) providers.push({ provide: factoryClass, useClass: factoryClass });
      providers.push({
        provide: RESILIENCE_OPTIONS,
        useFactory: (factory: ResilienceOptionsFactory) => factory.createResilienceOptions(),
        inject: [factoryClass],
      });
    } else {
      throw new TypeError('ResilienceModule.forRootAsync() needs useFactory, useClass or useExisting');
    }
    return ResilienceModule.build(providers, options.imports ?? []);
  }

  private static build(optionProviders: Provider[], imports: DynamicModule['imports']): DynamicModule {
    return {
      module: ResilienceModule,
      global: true,
      imports: [DiscoveryModule, ...(imports ?? [])],
      providers: [
        ...optionProviders,
        registryProvider,
        CircuitBreakerService,
        RetryService,
        RateLimiterService,
        ResilienceExplorer,
      ],
      exports: exported,
    };
  }
}
