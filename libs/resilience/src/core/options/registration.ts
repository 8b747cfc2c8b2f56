// Checks shared by the Nest modules' `register*` / `for*Async` methods (http, executor, llm). Plain
// functions with no Nest import, so every `<layer>/nest/` may use them (see scripts/check-layers.mjs).
import { ResilienceConfigError } from '../errors/config.error.js';

/**
 * A registered name is the token's: a non-empty string, known when the module is defined.
 * Returns it; throws `ResilienceConfigError(path, name, …)` otherwise (`path` like
 * `ResilienceLlmModule.registerModel.name`).
 * @internal
 */
export function checkRegisteredName(path: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new ResilienceConfigError(path, name, 'a non-empty string (the name to inject)');
  return name;
}

/**
 * An async registration needs one way to build its options: `useFactory`, `useClass` or
 * `useExisting`; throws `ResilienceConfigError(path, options, …)` otherwise.
 * @internal
 */
export function requireAsyncFactory(path: string, options: object | undefined): void {
  const o = (options ?? {}) as Record<string, unknown>;
  if (o.useFactory === undefined && o.useClass === undefined && o.useExisting === undefined)
    throw new ResilienceConfigError(path, options, 'async options with useFactory, useClass or useExisting');
}
