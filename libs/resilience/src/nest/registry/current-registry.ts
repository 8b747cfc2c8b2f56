import type { PipelineSource } from '../decorators/method-spec.js';
import { ResilienceNotInitializedError } from '../errors/not-initialized.error.js';

/**
 * The registries of the applications initialised in this process, oldest first. A decorated
 * method of an instance Nest did not create (or a static method) runs on the newest one.
 */
const active: PipelineSource[] = [];

/** Adds a registry (when it is created). @internal */
export function pushRegistry(registry: PipelineSource): void {
  active.push(registry);
}

/** Removes a registry (when it closes); false when it was not active. @internal */
export function removeRegistry(registry: PipelineSource): boolean {
  const i = active.indexOf(registry);
  if (i < 0) return false;
  active.splice(i, 1);
  return true;
}

/** The registry of the most recently initialised application; throws `ResilienceNotInitializedError`. @internal */
export function currentRegistry(): PipelineSource {
  const r = active[active.length - 1];
  if (r === undefined) throw new ResilienceNotInitializedError();
  return r;
}
