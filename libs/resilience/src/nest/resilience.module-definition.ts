import {
  ConfigurableModuleBuilder,
  type ConfigurableModuleAsyncOptions,
  type ConfigurableModuleOptionsFactory,
} from '@nestjs/common';
import type { ResilienceModuleOptions } from './resilience-options.interface.js';

/** Injection token of the raw module options (`ResilienceModuleOptions`). @publicApi */
export const RESILIENCE_OPTIONS: unique symbol = Symbol('nest-resilience:ModuleOptions');

/** Options of `forRoot` / `forRootAsync` that shape the module itself rather than its policies. @publicApi */
export interface ResilienceModuleExtras {
  /** Register the module globally (its services injectable everywhere). Default `true`. */
  isGlobal?: boolean;
}

/**
 * The generated base of `ResilienceModule` (the pattern of nestjs/cache-manager): `forRoot(options)`
 * and `forRootAsync({ imports, inject, useFactory | useClass | useExisting })`, where a factory
 * class implements `createResilienceOptions()`; global unless `isGlobal: false`.
 * @internal
 */
export const {
  ConfigurableModuleClass: ResilienceConfigurableModule,
  OPTIONS_TYPE: RESILIENCE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RESILIENCE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<ResilienceModuleOptions>({
  moduleName: 'Resilience',
  optionsInjectionToken: RESILIENCE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createResilienceOptions')
  .setExtras<ResilienceModuleExtras>({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal !== false,
  }))
  .build();

/**
 * A class that builds the options, for `forRootAsync({ useClass })` / `({ useExisting })`.
 * @publicApi
 */
export type ResilienceOptionsFactory = ConfigurableModuleOptionsFactory<
  ResilienceModuleOptions,
  'createResilienceOptions'
>;

/**
 * Options of `ResilienceModule.forRootAsync`: `imports`, and exactly one of `useFactory` (with
 * `inject`), `useClass` or `useExisting` (a {@link ResilienceOptionsFactory}); plus `isGlobal`.
 * @publicApi
 */
export type ResilienceModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  ResilienceModuleOptions,
  'createResilienceOptions'
> &
  ResilienceModuleExtras;
