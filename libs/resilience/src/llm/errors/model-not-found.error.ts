import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

const SHOWN = 20;

/**
 * `ModelRegistry.get(name)` for a name no model is registered under, and what a call rejects with
 * when one of its `fallbacks` names no registered model (a configuration mistake: permanent).
 * @publicApi
 */
export class ModelNotFoundError extends ResilienceError {
  /** Brand read by {@link isModelNotFoundError}. */
  readonly isModelNotFoundError = true as const;

  constructor(
    /** The name asked for. */
    readonly modelName: string,
    /** Names registered then (the first 20 are in the message). */
    readonly registered: readonly string[],
    /** Who asked, e.g. `models.gpt.fallbacks[0]` (in the message). */
    readonly path?: string,
  ) {
    const list = registered.slice(0, SHOWN).join(', ') + (registered.length > SHOWN ? ', ...' : '');
    super(
      `No model named '${modelName}' is registered${path !== undefined ? ` (${path})` : ''}; registered: ${list || 'none'}`,
    );
  }

  override toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...super.toJSON(), modelName: this.modelName };
    if (this.path !== undefined) out.path = this.path;
    return out;
  }
}

/** True for a {@link ModelNotFoundError}, also from another copy of the package. @publicApi */
export function isModelNotFoundError(error: unknown): error is ModelNotFoundError {
  return hasErrorBrand(error, 'isModelNotFoundError');
}
