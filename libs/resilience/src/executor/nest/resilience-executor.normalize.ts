import { ResilienceConfigError } from '../../core/errors/index.js';
import { checkKnownKeys, optionalNumber } from '../../core/options/validate.js';
import {
  DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS,
  type NormalizedExecutorSettings,
  type ResilienceExecutorModuleOptions,
} from './resilience-executor.options.js';

const KNOWN = { shutdownTimeoutMs: true } as const satisfies Record<keyof ResilienceExecutorModuleOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);

/**
 * Validates the settings of `ResilienceExecutorModule.forRoot[Async]` at bootstrap
 * (`ResilienceConfigError` naming `shutdownTimeoutMs`). `executors` / `isGlobal` returned by a
 * `forRootAsync` factory are refused: the names must be static so that their tokens exist.
 * @internal
 */
export function normalizeExecutorSettings(options: unknown): NormalizedExecutorSettings {
  if (options === undefined || options === null) return { shutdownTimeoutMs: DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS };
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError('ResilienceExecutorModule options', options, 'an object { shutdownTimeoutMs? }');
  for (const key of ['executors', 'isGlobal']) {
    if (key in options)
      throw new ResilienceConfigError(
        key,
        typeof (options as Record<string, unknown>)[key],
        `${key} given statically, next to useFactory (forRootAsync({ ${key}, useFactory })), or ` +
          'registerExecutorAsync({ name, useFactory }): a factory cannot add injection tokens',
      );
  }
  checkKnownKeys('', options, KNOWN_KEYS);
  const o = options as ResilienceExecutorModuleOptions;
  return {
    shutdownTimeoutMs: optionalNumber('shutdownTimeoutMs', o.shutdownTimeoutMs, DEFAULT_EXECUTOR_SHUTDOWN_TIMEOUT_MS, {
      min: 0,
      allowInfinity: true,
    }),
  };
}
