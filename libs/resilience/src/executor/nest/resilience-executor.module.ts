import { Module, type DynamicModule } from '@nestjs/common';
import { checkRegisteredName, requireAsyncFactory } from '../../core/options/registration.js';
import {
  ExecutorRegistrationConfigurableModule,
  ResilienceExecutorConfigurableModule,
  withExecutor,
} from './resilience-executor.module-definition.js';
import type {
  RegisterExecutorAsyncOptions,
  RegisterExecutorOptions,
  ResilienceExecutorForRootOptions,
  ResilienceExecutorModuleAsyncOptions,
} from './resilience-executor.options.js';

/** The module of one `registerExecutor[Async]` registration. @internal */
@Module({})
export class ResilienceExecutorRegistrationModule extends ExecutorRegistrationConfigurableModule {}

/**
 * Named executors for Nest. Every name is registered statically, so its token
 * (`getExecutorToken(name)`) exists and `@InjectExecutor(name)` of a name nobody registered
 * fails the bootstrap, naming it (Nest's "can't resolve dependencies … `nest-resilience:executor:<name>`").
 *
 * - `forRoot({ executors?, shutdownTimeoutMs?, isGlobal? })`: settings and static declarations.
 * - `forRootAsync({ imports?, inject?, useFactory | useClass | useExisting, executors?, isGlobal? })`:
 *   the factory builds the settings `{ shutdownTimeoutMs? }` (a factory class implements
 *   `createResilienceExecutorOptions()`).
 * - `registerExecutor({ name, ...ExecutorOptions })`, `registerExecutorAsync({ name, imports?,
 *   inject?, useFactory | useClass | useExisting })`: one executor (factory class: `createExecutorOptions()`).
 *
 * Global by default (`isGlobal: false` to export the tokens to the importing module only); a
 * name is unique in the application (registered twice, the bootstrap fails). The executors run
 * on the clock, random source and store of `ResilienceModule` and resolve `retry` /
 * `circuitBreaker` names through its `POLICY_RESOLVER` (with Redis, breaker and limiter state is
 * shared by every replica). Options are validated at bootstrap (`ResilienceConfigError` naming
 * `executors.<name>.<option>`). On shutdown every executor drains, bounded by `shutdownTimeoutMs`.
 * @publicApi
 */
@Module({})
export class ResilienceExecutorModule extends ResilienceExecutorConfigurableModule {
  /** Settings and static `executors` (all optional). Global unless `isGlobal: false`. */
  static override forRoot(options: ResilienceExecutorForRootOptions = {}): DynamicModule {
    return super.forRoot(options);
  }

  /** Settings built by a factory, plus static `executors`. Global unless `isGlobal: false`. */
  static override forRootAsync(options: ResilienceExecutorModuleAsyncOptions): DynamicModule {
    requireAsyncFactory('ResilienceExecutorModule.forRootAsync', options);
    return super.forRootAsync(options);
  }

  /** One named executor (`@InjectExecutor(name)`), from static options. Global unless `isGlobal: false`. */
  static registerExecutor(options: RegisterExecutorOptions): DynamicModule {
    const { name, isGlobal, ...rest } = options ?? ({} as RegisterExecutorOptions);
    const checked = checkRegisteredName('ResilienceExecutorModule.registerExecutor.name', name);
    return withExecutor(checked, isGlobal, ResilienceExecutorRegistrationModule.register(rest));
  }

  /** One named executor whose options a factory builds. The name is static. Global unless `isGlobal: false`. */
  static registerExecutorAsync(options: RegisterExecutorAsyncOptions): DynamicModule {
    const { name, isGlobal, ...rest } = options ?? ({} as RegisterExecutorAsyncOptions);
    const checked = checkRegisteredName('ResilienceExecutorModule.registerExecutorAsync.name', name);
    requireAsyncFactory(`executors.${checked}`, rest);
    return withExecutor(checked, isGlobal, ResilienceExecutorRegistrationModule.registerAsync(rest));
  }
}
