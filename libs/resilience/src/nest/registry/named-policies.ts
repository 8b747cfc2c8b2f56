import { ResilienceConfigError } from '../../core/errors/index.js';
import { optionalEnum } from '../../core/options/validate.js';
import { STORE_ERROR_POLICIES, type ResilienceStore, type StoreErrorPolicy } from '../../core/store/store.js';
import type { PolicyRef } from '../decorators/method-spec.js';
import { DEFAULT_POLICY } from '../resilience.constants.js';
import { POLICY_KINDS, type KindDeps, type KindName, type PolicyKind, type PolicyOf } from './policy-kinds.js';
import { sameOptions } from './same-options.js';

/** What the policies of one registry run on. */
export type PolicyEnv = Omit<KindDeps, 'store'> & { readonly store: ResilienceStore | undefined };

interface Entry<P> {
  readonly policy: P;
  /** The inline options that defined it (to detect conflicting definitions of one name). */
  readonly definedBy?: object;
}

/**
 * The policies of one kind in one registry: the configured ones (its module section, each
 * merged over the section's `default`) and those decorators define inline. Every rule reads the
 * kind's entry in {@link POLICY_KINDS}: section, decorator name, store sharing, required options.
 */
export class NamedPolicies<K extends KindName> {
  private readonly entries = new Map<string, Entry<PolicyOf<K>>>();
  private readonly descriptor: PolicyKind<unknown, unknown, PolicyOf<K>>;
  private readonly section: Record<string, Record<string, unknown>>;
  private readonly defaults: Record<string, unknown>;

  /** Validates the section (`options[section]`) and creates its policies; `created` sees each new policy. */
  constructor(
    readonly kind: K,
    options: Record<string, unknown>,
    private readonly env: PolicyEnv,
    private readonly created: (kind: KindName, policy: PolicyOf<K>) => void = () => undefined,
  ) {
    this.descriptor = POLICY_KINDS[kind] as unknown as PolicyKind<unknown, unknown, PolicyOf<K>>;
    this.section = readSection(this.descriptor.section, options[this.descriptor.section]);
    this.defaults = this.section[DEFAULT_POLICY] ?? {};
    this.validateDefaults();
    for (const [name, own] of Object.entries(this.section)) {
      if (name !== DEFAULT_POLICY) this.add(name, { ...this.defaults, ...own }, `${this.descriptor.section}.${name}`);
    }
  }

  /** The policy named `name`; throws `ResilienceConfigError` listing the known names. */
  get(name: string): PolicyOf<K> {
    const entry = this.entries.get(name);
    if (entry !== undefined) return entry.policy;
    const known = this.names();
    throw new ResilienceConfigError(
      this.descriptor.section,
      name,
      known.length
        ? `the name of a configured ${this.kind}: ${known.join(', ')}`
        : `a configured ${this.kind} (none is configured under '${this.descriptor.section}')`,
    );
  }

  /** Every name, configured first, then those of decorators in the order they were resolved. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  all(): PolicyOf<K>[] {
    return [...this.entries.values()].map((e) => e.policy);
  }

  /**
   * The policy a decorator refers to: a configured name, or inline options (over `default`)
   * defining the policy `name ?? defaultName`. Errors name `where` (e.g. `@WithRetry on A.m`).
   */
  resolve(ref: PolicyRef<Record<string, unknown>>, where: string, defaultName: string): PolicyOf<K> {
    const section = this.descriptor.section;
    if (typeof ref === 'string') {
      // A name refers to configured policies only (never to one a decorator defined inline,
      // which would make the result depend on the order classes are scanned in).
      const entry = this.entries.get(ref);
      if (entry !== undefined && entry.definedBy === undefined) return entry.policy;
      const known = this.names().filter((n) => this.entries.get(n)!.definedBy === undefined);
      throw new ResilienceConfigError(
        where,
        ref,
        known.length
          ? `one of the configured ${section}: ${known.join(', ')}`
          : `a policy configured under '${section}' (none is)`,
      );
    }
    if (ref === null || typeof ref !== 'object' || Array.isArray(ref))
      throw new ResilienceConfigError(where, ref, 'a policy name or an options object');
    const { name: explicitName, ...inline } = ref as Record<string, unknown>;
    if (explicitName !== undefined && (typeof explicitName !== 'string' || explicitName.length === 0))
      throw new ResilienceConfigError(`${where}.name`, explicitName, 'a non-empty string');
    const name = (explicitName as string | undefined) ?? defaultName;
    const existing = this.entries.get(name);
    if (existing === undefined) return this.add(name, { ...this.defaults, ...inline }, where, inline);
    if (existing.definedBy === undefined ? Object.keys(inline).length === 0 : sameOptions(existing.definedBy, inline))
      return existing.policy;
    throw new ResilienceConfigError(
      where,
      name,
      `a name not already defined with other options (${this.kind} '${name}' is defined elsewhere); use the name alone to share it`,
    );
  }

  /** Validates `default` alone (paths `<section>.default.<option>`), so a bad default fails even when unused. */
  private validateDefaults(): void {
    const path = `${this.descriptor.section}.${DEFAULT_POLICY}`;
    const options = this.storeChoice(this.defaults, path).options;
    if (this.missingRequired(options) === undefined) this.descriptor.normalize(options, path);
  }

  private add(name: string, merged: Record<string, unknown>, path: string, definedBy?: object): PolicyOf<K> {
    const { options, store } = this.storeChoice(merged, path);
    const missing = this.missingRequired(options);
    if (missing !== undefined) {
      throw new ResilienceConfigError(
        `${path}.${missing.anyOf[0]}`,
        undefined,
        `${missing.expected} (set it here or in ${this.descriptor.section}.${DEFAULT_POLICY})`,
      );
    }
    const normalized = this.descriptor.normalize(options, path);
    const policy = this.descriptor.create(name, normalized, { clock: this.env.clock, random: this.env.random, store });
    this.entries.set(name, definedBy === undefined ? { policy } : { policy, definedBy });
    this.created(this.kind, policy);
    return policy;
  }

  private missingRequired(options: Record<string, unknown>): PolicyKind<unknown, unknown, unknown>['requires'] {
    const requires = this.descriptor.requires;
    return requires === undefined || requires.anyOf.some((k) => Object.hasOwn(options, k)) ? undefined : requires;
  }

  /**
   * Takes `shared` and `onStoreError` out of the options and picks the store: with a shared
   * store configured, kinds shared by default use it unless `shared: false`, the others only with
   * `shared: true`; kinds that keep no shared state refuse both options.
   */
  private storeChoice(
    merged: Record<string, unknown>,
    path: string,
  ): { options: Record<string, unknown>; store: ResilienceStore | undefined } {
    const { shared, onStoreError, ...options } = merged;
    const byDefault = this.descriptor.sharedByDefault;
    if (byDefault === undefined) {
      for (const [key, value] of [
        ['shared', shared],
        ['onStoreError', onStoreError],
      ] as const) {
        if (value !== undefined)
          throw new ResilienceConfigError(
            `${path}.${key}`,
            value,
            `nothing: ${this.descriptor.section} keep no state in the store (only breakers and limiters do)`,
          );
      }
      return { options, store: undefined };
    }
    if (shared !== undefined && typeof shared !== 'boolean')
      throw new ResilienceConfigError(`${path}.shared`, shared, 'a boolean');
    const errorPath = `${path}.onStoreError`;
    const errorPolicy =
      onStoreError === undefined ? undefined : optionalEnum(errorPath, onStoreError, STORE_ERROR_POLICIES, 'fail-open');
    const store = this.env.store;
    const uses = store !== undefined && store.kind !== 'memory' && (byDefault ? shared !== false : shared === true);
    return { options, store: uses ? withErrorPolicy(store, errorPolicy, errorPath) : undefined };
  }
}

/** The shared store, seen with the policy's own `onStoreError` when it sets one. */
function withErrorPolicy(
  store: ResilienceStore,
  onStoreError: StoreErrorPolicy | undefined,
  path: string,
): ResilienceStore {
  if (onStoreError === undefined) return store;
  if (store.withStoreErrorPolicy === undefined)
    throw new ResilienceConfigError(
      path,
      onStoreError,
      `no onStoreError: the ${store.kind} store has no per-policy failure mode`,
    );
  return store.withStoreErrorPolicy(onStoreError);
}

/** A module section: an object of named option objects (or nothing). */
function readSection(section: string, value: unknown): Record<string, Record<string, unknown>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(section, value, 'an object of named policies');
  for (const [name, v] of Object.entries(value)) {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      throw new ResilienceConfigError(`${section}.${name}`, v, 'an options object');
  }
  return value as Record<string, Record<string, unknown>>;
}
