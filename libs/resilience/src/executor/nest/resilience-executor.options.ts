import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { ExecutorOptions } from '../executor.options.js';

/** Default of {@link ResilienceExecutorModuleOptions.shutdownTimeoutMs}: 30 s. @publicApi */
export const DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Settings of the application's executors: what `ResilienceExecutorModule.forRoot()` takes
 * (besides `executors` / `isGlobal`) and what the `forRootAsync()` factory returns.
 * @publicApi
 */
export interface ResilienceExecutorModuleOptions {
  /**
   * Milliseconds the shutdown waits for the executors to drain (every queued and running event
   * to finish); past it, what is left is cancelled (`stop({ drain: false })`) and the shutdown
   * goes on. `0` cancels at once. Default 30 000 (30 s).
   */
  shutdownTimeoutMs?: number;
}

/**
 * Executors declared with the module (statically, so that their tokens exist) and whether the
 * module is global: `forRoot({ executors, isGlobal })`, `forRootAsync({ executors, isGlobal, useFactory })`.
 * @publicApi
 */
export interface ResilienceExecutorDeclarations {
  /** Named executors (`@InjectExecutor(name)`); the key is the name. Default: none. */
  executors?: Readonly<Record<string, ExecutorOptions>>;
  /** Make the tokens injectable everywhere. Default `true`. */
  isGlobal?: boolean;
}

/** What `ResilienceExecutorModule.forRoot()` takes. @publicApi */
export type ResilienceExecutorForRootOptions = ResilienceExecutorModuleOptions & ResilienceExecutorDeclarations;

/** A class that builds the settings (`forRootAsync({ useClass | useExisting })`). @publicApi */
export interface ResilienceExecutorOptionsFactory {
  createResilienceExecutorOptions(): ResilienceExecutorModuleOptions | Promise<ResilienceExecutorModuleOptions>;
}

/**
 * What `ResilienceExecutorModule.forRootAsync()` takes: `imports`, `inject` and one of
 * `useFactory` / `useClass` / `useExisting` building the {@link ResilienceExecutorModuleOptions},
 * plus static `executors` and `isGlobal`.
 * @publicApi
 */
export type ResilienceExecutorModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  ResilienceExecutorModuleOptions,
  'createResilienceExecutorOptions'
> &
  ResilienceExecutorDeclarations;

/** What `ResilienceExecutorModule.registerExecutor()` takes: a name and the executor's options. @publicApi */
export type RegisterExecutorOptions = ExecutorOptions & {
  name: string;
  /** Make the token injectable everywhere. Default `true`. */
  isGlobal?: boolean;
};

/** A class that builds an executor's options (`registerExecutorAsync({ useClass | useExisting })`). @publicApi */
export interface ExecutorOptionsFactory {
  createExecutorOptions(): ExecutorOptions | Promise<ExecutorOptions>;
}

/**
 * What `ResilienceExecutorModule.registerExecutorAsync()` takes: the static `name` (and
 * `isGlobal`), and `imports`, `inject` and one of `useFactory` / `useClass` / `useExisting`
 * building the executor's options.
 * @publicApi
 */
export type RegisterExecutorAsyncOptions = ConfigurableModuleAsyncOptions<ExecutorOptions, 'createExecutorOptions'> & {
  name: string;
  /** Make the token injectable everywhere. Default `true`. */
  isGlobal?: boolean;
};

/** Validated settings. @internal */
export interface NormalizedExecutorSettings {
  readonly shutdownTimeoutMs: number;
}
