import type { ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import type { KindName, PolicyOf } from '../registry/policy-kinds.js';
import type { ResilienceRegistry } from '../registry/resilience.registry.js';

/**
 * What the services of every kind share: look a policy up by name, list the names, run a
 * function through a named policy. Each service extends it with its kind (and injects the
 * registry in its own constructor, so Nest resolves it as before).
 * @typeParam K the kind of policy (`breaker`, `retry`, ...).
 * @internal
 */
export abstract class PolicyService<K extends KindName> {
  protected constructor(
    protected readonly registry: ResilienceRegistry,
    private readonly kind: K,
  ) {}

  /** The policy named `name`; throws `ResilienceConfigError` listing the known names. */
  get(name: string): PolicyOf<K> {
    return this.registry.policy(this.kind, name);
  }

  /** Runs `fn` through the policy named `name` (see the policy's `execute`). */
  execute<T>(name: string, fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return this.get(name).execute(fn, options);
  }

  /** Names of every policy of this kind (configured ones, then those created by decorators). */
  names(): string[] {
    return this.registry.names(this.kind);
  }

  /** Every policy of this kind created so far (configured ones, then those of decorated methods). */
  protected all(): PolicyOf<K>[] {
    return this.registry.policies(this.kind);
  }
}
