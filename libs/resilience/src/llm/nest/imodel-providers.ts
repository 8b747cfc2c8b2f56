import {
  Global,
  Module,
  type FactoryProvider,
  type InjectionToken,
  type OptionalFactoryDependency,
  type Provider,
} from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { Executor } from '../../executor/executor.js';
import { CostTracker } from '../cost/cost-tracker.js';
import { IModel } from '../imodel/imodel.js';
import { ModelRegistry } from '../imodel/imodel-registry.js';
import { IModelHost, IModelLifecycle } from './imodel-host.js';
import { executorTokenOf, nameOfExecutorTokenOf, RESILIENCE_LLM_SETTINGS } from './imodel.tokens.js';
import { toIModelOptions, underModel } from './resilience-llm.normalize.js';
import type { NormalizedLlmSettings } from './resilience-llm.options.js';

/**
 * Holds the {@link IModelHost} and the application's `ModelRegistry`, once per application
 * whatever registers models. @internal
 */
@Global()
@Module({
  providers: [
    IModelHost,
    { provide: ModelRegistry, inject: [IModelHost], useFactory: (host: IModelHost) => host.registry },
  ],
  exports: [IModelHost, ModelRegistry],
})
export class ResilienceLlmCoreModule {}

/**
 * Checks the models' `fallbacks` once every model exists, and closes the models at shutdown. Not
 * global on purpose (as the executor module's): Nest destroys global modules last, so the models
 * close while `ResilienceModule`'s store is still open. @internal
 */
@Module({ providers: [IModelLifecycle] })
export class ResilienceLlmShutdownModule {}

/** Where a model's options come from: static, a provider (`registerModelAsync`), or the `forRootAsync` result. @internal */
export type ModelSource = { readonly value: unknown } | { readonly token: InjectionToken } | { readonly async: true };

/**
 * The provider of `getIModelToken(name)`: validates the options at bootstrap (`ResilienceConfigError`
 * naming `models.<name>.<option>`), resolves a named executor (whose token it depends on, so
 * that the executor exists first) and creates the model on `ResilienceModule`'s clock, store and
 * policy names when present, registered in the application's `ModelRegistry`, metered by the
 * application's `CostTracker` when it sees one (unless the model's `costs` is `false`).
 * @internal
 */
export function modelProvider(
  token: string,
  name: string,
  source: ModelSource,
  executorName: string | undefined,
): FactoryProvider<IModel> {
  const fromToken = 'token' in source;
  const inject: (InjectionToken | OptionalFactoryDependency)[] = [
    ...(fromToken ? [source.token] : []),
    IModelHost,
    { token: ModulesContainer, optional: true },
    { token: RESILIENCE_LLM_SETTINGS, optional: true },
    { token: POLICY_RESOLVER, optional: true },
    { token: CostTracker, optional: true },
    ...(executorName !== undefined ? [{ token: executorTokenOf(executorName), optional: true }] : []),
  ];
  return {
    provide: token,
    inject,
    useFactory: (...args: unknown[]) => {
      const given = fromToken ? args.shift() : undefined;
      const [host, container, settings, resolver, tracker, executor] = args as [
        IModelHost,
        ModulesContainer | undefined,
        NormalizedLlmSettings | undefined,
        PolicyResolver | undefined,
        CostTracker | undefined,
        Executor | undefined,
      ];
      const decl = fromToken ? given : 'value' in source ? source.value : settings?.models?.[name];
      const options = toIModelOptions(name, decl, {
        ...(executorName !== undefined ? { name: executorName } : {}),
        ...(executor != null ? { executor } : {}),
        known: () => registeredExecutors(container),
        ...(tracker != null ? { tracker } : {}),
      });
      try {
        return host.add(
          IModel.create(name, options, {
            registry: host.registry,
            env: settings?.env ?? process.env,
            ...(resolver != null ? { resolver } : {}),
            ...(resolver?.clock !== undefined ? { clock: resolver.clock } : {}),
            ...(resolver?.store !== undefined ? { store: resolver.store } : {}),
          }),
        );
      } catch (error) {
        throw underModel(name, error);
      }
    },
  };
}

/** Executor names provided by any module of the application. */
function registeredExecutors(container: ModulesContainer | undefined): string[] {
  const names = new Set<string>();
  for (const mod of container?.values() ?? [])
    for (const token of mod.providers.keys()) {
      const n = nameOfExecutorTokenOf(token);
      if (n !== undefined) names.add(n);
    }
  return [...names];
}

/** Throws at bootstrap (a `models` section that is not an object of named options). @internal */
export function invalidModelsProvider(value: unknown): Provider {
  return {
    provide: Symbol('nest-resilience:invalid-models'),
    useFactory: () => {
      throw new ResilienceConfigError('models', value, 'an object of named iModel options');
    },
  };
}
