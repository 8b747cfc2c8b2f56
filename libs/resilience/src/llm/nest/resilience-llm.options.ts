import type { ConfigurableModuleAsyncOptions } from '@nestjs/common';
import type { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { CostTrackerOptions } from '../cost/cost-tracker.js';
import type { IModelOptions } from '../imodel/imodel.options.js';

/** Default of {@link ResilienceLlmModuleOptions.shutdownTimeoutMs}: 30 s (the executor module's default). @publicApi */
export const DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * One model in Nest: the framework-free `IModelOptions`, whose `executor` may also be the name of
 * an executor registered with `ResilienceExecutorModule` (models naming one executor share its
 * limits, lanes and breaker), besides inline `ExecutorOptions` (an executor of the model's own,
 * named like the model) or an `Executor` instance.
 * @publicApi
 */
export type ResilienceLlmModelOptions = Omit<IModelOptions, 'executor' | 'costs'> & {
  /** An executor name (`ResilienceExecutorModule`), inline `ExecutorOptions`, or an `Executor`. */
  executor: string | Executor | ExecutorOptions;
  /**
   * `false`: this model's calls are not metered (no price, no budget, no usage line). Absent: the
   * module's cost tracker (`ResilienceLlmModule.forRoot({ costs })`) meters them, when there is one.
   */
  costs?: false;
};

/**
 * A model's options built by a factory (`registerModelAsync`, `forRootAsync`): as
 * {@link ResilienceLlmModelOptions}, where `executor` may be left out when the executor's name is
 * given statically next to the factory.
 * @publicApi
 */
export type ResilienceLlmFactoryModelOptions = Omit<ResilienceLlmModelOptions, 'executor'> & {
  executor?: ResilienceLlmModelOptions['executor'];
};

/**
 * Settings of the application's models: what `ResilienceLlmModule.forRoot()` takes besides
 * `models` / `isGlobal`, and (with `models`) what the `forRootAsync()` factory returns.
 * @publicApi
 */
export interface ResilienceLlmModuleOptions {
  /**
   * Milliseconds the shutdown waits for the models to close (an executor of a model's own drains
   * its queued and running calls); past it the shutdown goes on and a warning names what is
   * left. Executors registered with `ResilienceExecutorModule` drain under that module's
   * `shutdownTimeoutMs`. Default 30 000.
   */
  shutdownTimeoutMs?: number;
  /** Environment the models read their default key from (`OPENAI_API_KEY`, …). Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Prices, budgets and the usage log (docs/llm/module.md#costs). Given: the module creates ONE
   * `CostTracker` (on `ResilienceModule`'s store and clock), injectable by its class, and every
   * model of the application that sees it is metered by it (unless its options say `costs: false`).
   * Absent: no tracker (injecting `CostTracker` fails the bootstrap), no model is metered.
   * With `forRootAsync`, declare `costs: true` next to `useFactory` and return the options here.
   */
  costs?: CostTrackerOptions;
}

/** What `ResilienceLlmModule.forRoot()` takes. @publicApi */
export interface ResilienceLlmForRootOptions extends ResilienceLlmModuleOptions {
  /** Named models (`@InjectIModel(name)`); the key is the name. Default: none. */
  models?: Readonly<Record<string, ResilienceLlmModelOptions>>;
  /** Make the tokens injectable everywhere. Default `true`. */
  isGlobal?: boolean;
}

/**
 * A model declared statically next to a factory (`forRootAsync({ models })`): its name (so
 * its token exists) and, when it runs on a named executor, that name (so the executor exists
 * before the model).
 * @publicApi
 */
export interface ResilienceLlmModelDeclaration {
  /** Name of an executor registered with `ResilienceExecutorModule`. */
  executor?: string;
}

/** What the `forRootAsync()` factory returns: the settings and each declared model's options. @publicApi */
export interface ResilienceLlmAsyncResult extends ResilienceLlmModuleOptions {
  /** Options per declared model (every declared name, no other). */
  models?: Readonly<Record<string, ResilienceLlmFactoryModelOptions>>;
}

/** A class that builds the settings and models (`forRootAsync({ useClass | useExisting })`). @publicApi */
export interface ResilienceLlmOptionsFactory {
  createResilienceLlmOptions(): ResilienceLlmAsyncResult | Promise<ResilienceLlmAsyncResult>;
}

/**
 * What `ResilienceLlmModule.forRootAsync()` takes: `imports`, `inject` and one of `useFactory` /
 * `useClass` / `useExisting` building a {@link ResilienceLlmAsyncResult}, plus the static
 * `models` declarations (names, executor names) and `isGlobal`.
 * @publicApi
 */
export type ResilienceLlmModuleAsyncOptions = ConfigurableModuleAsyncOptions<
  ResilienceLlmAsyncResult,
  'createResilienceLlmOptions'
> & {
  /** The models the factory configures, by name (a factory cannot add injection tokens). Default: none. */
  models?: Readonly<Record<string, ResilienceLlmModelDeclaration>>;
  /**
   * `true`: the factory returns `costs` (the `CostTracker` options), so that the `CostTracker`
   * token exists (a factory cannot add injection tokens). Default `false`: no tracker.
   */
  costs?: boolean;
  /** Make the tokens injectable everywhere. Default `true`. */
  isGlobal?: boolean;
};

/** What `ResilienceLlmModule.registerModel()` takes: a name and the model's options. @publicApi */
export type RegisterModelOptions = ResilienceLlmModelOptions & {
  name: string;
  /** Make the token injectable everywhere. Default `true`. */
  isGlobal?: boolean;
};

/** A class that builds a model's options (`registerModelAsync({ useClass | useExisting })`). @publicApi */
export interface ModelOptionsFactory {
  createModelOptions(): ResilienceLlmFactoryModelOptions | Promise<ResilienceLlmFactoryModelOptions>;
}

/**
 * What `ResilienceLlmModule.registerModelAsync()` takes: the static `name` (and `executor` name,
 * `isGlobal`), and `imports`, `inject` and one of `useFactory` / `useClass` / `useExisting`
 * building the model's options.
 * @publicApi
 */
export type RegisterModelAsyncOptions = ConfigurableModuleAsyncOptions<
  ResilienceLlmFactoryModelOptions,
  'createModelOptions'
> & {
  name: string;
  /**
   * The executor registered with `ResilienceExecutorModule` that the model runs on, when it
   * runs on a named one: given here, statically, so that Nest creates it before the model (the
   * factory may then leave `executor` out, or repeat the same name).
   */
  executor?: string;
  /** Make the token injectable everywhere. Default `true`. */
  isGlobal?: boolean;
};

/** Validated settings. @internal */
export interface NormalizedLlmSettings {
  readonly shutdownTimeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The factory's models (forRootAsync), by name; undefined for forRoot. */
  readonly models?: Readonly<Record<string, unknown>>;
  /** The cost tracker's options (validated by `CostTracker.create`); undefined: no tracker. */
  readonly costs?: CostTrackerOptions;
}
