import { Module, type DynamicModule } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { checkRegisteredName, requireAsyncFactory } from '../../core/options/registration.js';
import {
  MODEL_REGISTRATION_OPTIONS,
  ModelRegistrationConfigurableModule,
  ResilienceLlmConfigurableModule,
  withModel,
  withModels,
} from './resilience-llm.module-definition.js';
import type {
  RegisterModelAsyncOptions,
  RegisterModelOptions,
  ResilienceLlmForRootOptions,
  ResilienceLlmModuleAsyncOptions,
} from './resilience-llm.options.js';

/** The module of one `registerModel[Async]` registration. @internal */
@Module({})
export class ResilienceLlmModelRegistrationModule extends ModelRegistrationConfigurableModule {}

/**
 * Named iModels for Nest (see docs/llm/module.md). Every name is registered statically, so its
 * token (`getIModelToken(name)`) exists and `@InjectIModel(name)` of a name nobody registered
 * fails the bootstrap, naming it (Nest's "can't resolve dependencies … `nest-resilience:imodel:<name>`").
 * A `fallbacks` name that is no model of the application fails the bootstrap too.
 *
 * - `forRoot({ models?, shutdownTimeoutMs?, env?, costs?, isGlobal? })`: models by name.
 * - `forRootAsync({ models: { <name>: { executor? } }, costs?: true, imports?, inject?, useFactory | useClass | useExisting, isGlobal? })`:
 *   the factory returns `{ models: { <name>: options }, shutdownTimeoutMs?, env?, costs? }` for the declared names
 *   (a factory class implements `createResilienceLlmOptions()`).
 * - `registerModel({ name, ...options })`, `registerModelAsync({ name, executor?, imports?, inject?,
 *   useFactory | useClass | useExisting })` (factory class: `createModelOptions()`).
 *
 * A model's `executor` is the name of an executor of `ResilienceExecutorModule` (models naming
 * one share its limits and lanes), inline executor options (an executor of the model's own,
 * stopped when the model closes) or an `Executor`. The key comes from `apiKey` or the provider's
 * environment variable (`env`, default `process.env`). Models run on `ResilienceModule`'s clock,
 * store and policy names when it is imported, and are registered in one `ModelRegistry` per
 * application (what `fallbacks` name). With `costs`, ONE `CostTracker` (injectable by its class)
 * prices every model's calls, checks them against the budgets and writes the usage log (a
 * model's `costs: false` opts out); without it, injecting `CostTracker` fails the bootstrap.
 * Options are validated at bootstrap (`ResilienceConfigError` naming `models.<name>.<option>`,
 * `costs.<option>`); on shutdown every model closes, then the tracker (settled, usage log
 * flushed), each bounded by `shutdownTimeoutMs`. Global unless `isGlobal: false`.
 * @publicApi
 */
@Module({})
export class ResilienceLlmModule extends ResilienceLlmConfigurableModule {
  /** Models by name, and settings. Global unless `isGlobal: false`. */
  static override forRoot(options: ResilienceLlmForRootOptions = {}): DynamicModule {
    const { models, isGlobal, ...settings } = options ?? {};
    return withModels(
      super.forRoot(settings),
      { kind: 'static', models, costs: settings.costs !== undefined },
      isGlobal,
    );
  }

  /** Models declared by name (and executor name), configured by a factory. Global unless `isGlobal: false`. */
  static override forRootAsync(options: ResilienceLlmModuleAsyncOptions): DynamicModule {
    const { models, isGlobal, costs, ...rest } = options ?? ({} as ResilienceLlmModuleAsyncOptions);
    requireAsyncFactory('ResilienceLlmModule.forRootAsync', rest);
    checkDeclarations(models);
    if (costs !== undefined && typeof costs !== 'boolean')
      throw new ResilienceConfigError(
        'ResilienceLlmModule.forRootAsync.costs',
        costs,
        'true when the factory returns costs (the CostTracker options), else false or nothing',
      );
    return withModels(super.forRootAsync(rest), { kind: 'async', models, costs: costs === true }, isGlobal);
  }

  /** One named model (`@InjectIModel(name)`), from static options. Global unless `isGlobal: false`. */
  static registerModel(options: RegisterModelOptions): DynamicModule {
    const { name, isGlobal, ...rest } = options ?? ({} as RegisterModelOptions);
    const checked = checkRegisteredName('ResilienceLlmModule.registerModel.name', name);
    const executor = typeof rest.executor === 'string' ? rest.executor : undefined;
    return withModel(
      checked,
      executor,
      { token: MODEL_REGISTRATION_OPTIONS },
      isGlobal,
      ResilienceLlmModelRegistrationModule.register(rest),
    );
  }

  /**
   * One named model whose options a factory builds. The name is static, and so is the name of
   * the executor it runs on when that is a registered one (`executor: 'openai'`). Global unless `isGlobal: false`.
   */
  static registerModelAsync(options: RegisterModelAsyncOptions): DynamicModule {
    const { name, isGlobal, executor, ...rest } = options ?? ({} as RegisterModelAsyncOptions);
    const checked = checkRegisteredName('ResilienceLlmModule.registerModelAsync.name', name);
    requireAsyncFactory(`models.${checked}`, rest);
    if (executor !== undefined && (typeof executor !== 'string' || executor.length === 0))
      throw new ResilienceConfigError(`models.${checked}.executor`, executor, 'the name of a registered executor');
    return withModel(
      checked,
      executor,
      { token: MODEL_REGISTRATION_OPTIONS },
      isGlobal,
      ResilienceLlmModelRegistrationModule.registerAsync(rest),
    );
  }
}

/** `forRootAsync({ models })`: an object of `{ executor?: string }` by name. */
function checkDeclarations(models: unknown): void {
  if (models === undefined) return;
  if (models === null || typeof models !== 'object' || Array.isArray(models))
    throw new ResilienceConfigError(
      'ResilienceLlmModule.forRootAsync.models',
      models,
      'the models the factory configures, by name: { <name>: { executor?: <executor name> } }',
    );
  for (const [name, d] of Object.entries(models as Record<string, unknown>)) {
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      throw new ResilienceConfigError(`models.${name}`, d, 'a declaration { executor?: <executor name> }');
    for (const [key, v] of Object.entries(d))
      if (key !== 'executor' || typeof v !== 'string' || v.length === 0)
        throw new ResilienceConfigError(
          `models.${name}.${key}`,
          v,
          key === 'executor'
            ? 'the name of a registered executor'
            : 'only executor (the options come from the factory)',
        );
  }
}
