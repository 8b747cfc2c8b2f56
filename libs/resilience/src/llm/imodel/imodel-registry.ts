import { ResilienceConfigError } from '../../core/errors/config.error.js';
import { ModelNotFoundError } from '../errors/model-not-found.error.js';

/** What a {@link ModelRegistry} holds: anything with a `name` (an `IModel`). @publicApi */
export interface NamedModel {
  readonly name: string;
}

/**
 * Framework-free registry of models by name: what `fallbacks` names are looked up in (see
 * docs/llm/fallbacks.md). `IModel.create(name, options, { registry })` registers the model it
 * creates (and its `close()` removes it). Type it with the model class:
 * `new ModelRegistry<IModel>()`. Holds only what is registered (no cache, nothing per call).
 * @example
 * ```ts
 * const registry = new ModelRegistry<IModel>();
 * IModel.create('claude', { provider: 'anthropic', model: 'claude-sonnet-4-5', executor }, { registry });
 * registry.get('claude').name; // 'claude'
 * ```
 * @publicApi
 */
export class ModelRegistry<M extends NamedModel = NamedModel> {
  readonly #models = new Map<string, M>();

  /** Adds `model` under its name. A name taken already throws `ResilienceConfigError` (`models.<name>`). */
  register(model: M): void {
    const name = model?.name;
    if (typeof name !== 'string' || name.length === 0)
      throw new ResilienceConfigError('models', name, 'a model with a non-empty name');
    if (this.#models.has(name))
      throw new ResilienceConfigError(`models.${name}`, name, 'a name no other registered model has');
    this.#models.set(name, model);
  }

  /** The model registered as `name`; throws `ModelNotFoundError` when none is. */
  get(name: string): M {
    const m = this.#models.get(name);
    if (m === undefined) throw new ModelNotFoundError(name, this.names());
    return m;
  }

  /** The model registered as `name`, or undefined. */
  find(name: string): M | undefined {
    return this.#models.get(name);
  }

  has(name: string): boolean {
    return this.#models.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#models.keys()];
  }

  /** Removes `model` (only if it is the one registered under its name); true when it was. */
  unregister(model: M): boolean {
    if (this.#models.get(model.name) !== model) return false;
    return this.#models.delete(model.name);
  }

  /** Number of registered models. */
  get size(): number {
    return this.#models.size;
  }
}
