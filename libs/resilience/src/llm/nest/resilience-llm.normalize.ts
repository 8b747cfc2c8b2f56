import { isResilienceConfigError, ResilienceConfigError } from '../../core/errors/index.js';
import { checkKnownKeys, optionalNumber } from '../../core/options/validate.js';
import { Executor } from '../../executor/executor.js';
import type { CostTracker, CostTrackerOptions } from '../cost/cost-tracker.js';
import type { IModelOptions } from '../imodel/imodel.options.js';
import {
  DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS,
  type NormalizedLlmSettings,
  type ResilienceLlmModelOptions,
} from './resilience-llm.options.js';

const SETTINGS_KEYS = ['shutdownTimeoutMs', 'env', 'costs'];

/** What `forRootAsync` declared statically: the model names and whether the factory returns `costs`. @internal */
export interface AsyncDeclaration {
  readonly models: readonly string[];
  readonly costs: boolean;
}

/**
 * Validates the settings of `ResilienceLlmModule.forRoot` (`async` undefined) or the result
 * of the `forRootAsync` factory (`async`: the statically declared model names, which the
 * result's `models` must configure, each, and no other, and whether it returns `costs`).
 * `ResilienceConfigError` naming `shutdownTimeoutMs`, `env`, `costs`, `models.<name>`.
 * @internal
 */
export function normalizeLlmSettings(options: unknown, async?: AsyncDeclaration): NormalizedLlmSettings {
  const declared = async?.models;
  if (options === undefined || options === null) {
    if (declared !== undefined && declared.length > 0) missingModel(declared[0]!);
    if (async?.costs === true) checkCosts(undefined, async);
    return { shutdownTimeoutMs: DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS, env: process.env };
  }
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError('ResilienceLlmModule options', options, 'an object { shutdownTimeoutMs?, env? }');
  const o = options as Record<string, unknown>;
  if ('isGlobal' in o)
    throw new ResilienceConfigError(
      'isGlobal',
      typeof o.isGlobal,
      'isGlobal given statically, next to useFactory (forRootAsync({ isGlobal, useFactory }))',
    );
  const { models, ...settings } = o;
  checkKnownKeys('', settings, declared !== undefined ? [...SETTINGS_KEYS, 'models'] : SETTINGS_KEYS);
  const env = settings.env ?? process.env;
  if (env === null || typeof env !== 'object' || Array.isArray(env))
    throw new ResilienceConfigError('env', env, 'an object of environment variables (e.g. process.env)');
  const out = {
    shutdownTimeoutMs: optionalNumber(
      'shutdownTimeoutMs',
      settings.shutdownTimeoutMs,
      DEFAULT_LLM_SHUTDOWN_TIMEOUT_MS,
      {
        min: 0,
        allowInfinity: true,
      },
    ),
    env: env as Readonly<Record<string, string | undefined>>,
    ...(settings.costs !== undefined || async?.costs === true ? { costs: checkCosts(settings.costs, async) } : {}),
  };
  if (declared === undefined) return out;
  return { ...out, models: checkAsyncModels(models, declared) };
}

/**
 * `costs`: an options object (its options are checked by `CostTracker.create`), given exactly
 * when `forRootAsync` declared `costs: true` (the `CostTracker` token exists only then).
 */
function checkCosts(costs: unknown, async: AsyncDeclaration | undefined): CostTrackerOptions {
  if (async !== undefined && async.costs !== (costs !== undefined))
    throw new ResilienceConfigError(
      'costs',
      costs === undefined ? undefined : '(the cost tracker options)',
      async.costs
        ? 'the cost tracker options, returned by the factory under costs (forRootAsync({ costs: true }) declares them)'
        : 'costs declared statically next to useFactory (forRootAsync({ costs: true, useFactory })): ' +
            'a factory cannot add injection tokens (the CostTracker)',
    );
  if (costs === null || typeof costs !== 'object' || Array.isArray(costs))
    throw new ResilienceConfigError(
      'costs',
      costs,
      'the cost tracker options: an object { budgets?, prices?, usageLog?, … }',
    );
  return costs as CostTrackerOptions;
}

/** The factory's `models`: one entry per declared name, no other. */
function checkAsyncModels(models: unknown, declared: readonly string[]): Readonly<Record<string, unknown>> {
  if (models === undefined) {
    if (declared.length > 0) missingModel(declared[0]!);
    return {};
  }
  if (models === null || typeof models !== 'object' || Array.isArray(models))
    throw new ResilienceConfigError('models', models, 'an object of named iModel options');
  for (const name of Object.keys(models))
    if (!declared.includes(name))
      throw new ResilienceConfigError(
        `models.${name}`,
        name,
        `a model declared statically next to useFactory (forRootAsync({ models: { ${name}: {} }, useFactory })): ` +
          `a factory cannot add injection tokens (declared: ${declared.join(', ') || 'none'})`,
      );
  for (const name of declared) if (!(name in models)) missingModel(name);
  return models as Readonly<Record<string, unknown>>;
}

function missingModel(name: string): never {
  throw new ResilienceConfigError(
    `models.${name}`,
    undefined,
    'the options of a model declared in forRootAsync({ models }) (returned by the factory under models)',
  );
}

/** What the executor of a model is resolved with. @internal */
export interface ExecutorBinding {
  /** The executor name given statically (its token was injected), if any. */
  readonly name?: string;
  /** The executor registered under `name`, when there is one. */
  readonly executor?: Executor;
  /** Executor names registered in the application (for the message). */
  readonly known: () => readonly string[];
  /** The application's cost tracker (`forRoot({ costs })`), when the model sees one. */
  readonly tracker?: CostTracker;
}

/**
 * A model declaration checked and turned into framework-free `IModelOptions`: an object, and an
 * `executor` that is an instance, inline options, or the name of a registered executor
 * (`ResilienceConfigError` naming `models.<name>.executor` and the registered executors); `costs`
 * `false` or absent (the binding's tracker meters the model unless `false`).
 * @internal
 */
export function toIModelOptions(name: string, decl: unknown, binding: ExecutorBinding): IModelOptions {
  if (decl === null || typeof decl !== 'object' || Array.isArray(decl))
    throw new ResilienceConfigError(`models.${name}`, decl, 'an iModel options object');
  const { costs, ...d } = decl as ResilienceLlmModelOptions & { name?: unknown; costs?: unknown };
  if (d.name !== undefined && d.name !== name)
    throw new ResilienceConfigError(`models.${name}.name`, d.name, `'${name}' (the registered name) or nothing`);
  if (costs !== undefined && costs !== false)
    throw new ResilienceConfigError(
      `models.${name}.costs`,
      typeof costs === 'object' && costs !== null ? '(an object)' : costs,
      'false (not metered) or nothing (metered by the cost tracker of ResilienceLlmModule.forRoot({ costs }))',
    );
  if (costs !== false && binding.tracker !== undefined) (d as IModelOptions).costs = binding.tracker;
  const path = `models.${name}.executor`;
  const given = d.executor;
  if (binding.name === undefined) {
    if (typeof given === 'string')
      throw new ResilienceConfigError(
        path,
        given,
        `an executor name given statically, next to the factory (registerModelAsync({ name: '${name}', executor: '${given}', useFactory }) ` +
          `or forRootAsync({ models: { ${name}: { executor: '${given}' } } })): a factory cannot add dependencies`,
      );
    return d as IModelOptions;
  }
  if (given !== undefined && given !== binding.name)
    throw new ResilienceConfigError(path, given, `'${binding.name}' (the executor given statically) or nothing`);
  if (!(binding.executor instanceof Executor)) {
    const known = binding.known();
    throw new ResilienceConfigError(
      path,
      binding.name,
      `the name of an executor registered with ResilienceExecutorModule (registered: ${known.join(', ') || 'none'})`,
    );
  }
  return { ...d, executor: binding.executor } as IModelOptions;
}

/**
 * A configuration error of `IModel.create` named under `models.<name>` (its own errors are
 * already; those of an inline executor, `executors.<name>.<option>`, become
 * `models.<name>.executor.<option>`). Other errors as they are.
 * @internal
 */
export function underModel(name: string, error: unknown): unknown {
  if (!isResilienceConfigError(error)) return error;
  const prefix = `models.${name}`;
  const under = (p: string, root: string) => p === root || p.startsWith(`${root}.`) || p.startsWith(`${root}[`);
  if (under(error.path, prefix)) return error;
  const inline = `executors.${name}`;
  const path = under(error.path, inline)
    ? `${prefix}.executor${error.path.slice(inline.length)}`
    : `${prefix}.${error.path}`;
  return new ResilienceConfigError(path, error.value, error.expected);
}
