import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { systemClock, type Clock, type RandomSource } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { EventEmitter } from '../../core/events/event-emitter.js';
import { checkKnownKeys, optionalClock, optionalRandom } from '../../core/options/validate.js';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import type { PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { ResilienceStore } from '../../core/store/store.js';
import type { PipelineCache, PipelineSource, ResilientMethodSpec } from '../decorators/method-spec.js';
import { ResilienceRegistryClosedError } from '../errors/registry-closed.error.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { createStore } from '../store.factory.js';
import { pushRegistry, removeRegistry } from './current-registry.js';
import { NamedPolicies } from './named-policies.js';
import { MethodPipelines } from './method-pipelines.js';
import type { MethodPolicies } from './pipeline-checks.js';
import { KIND_NAMES, POLICY_KINDS, type KindName, type PolicyOf } from './policy-kinds.js';

const MODULE_KEYS = [...KIND_NAMES.map((k) => POLICY_KINDS[k].section), 'store', 'clock', 'random'];

/** A policy a registry created (see {@link ResilienceRegistry.onPolicyCreated}). @publicApi */
export interface CreatedPolicy {
  readonly kind: KindName;
  readonly policy: PolicyOf<KindName>;
}

/**
 * Holds every policy of one application, by kind and name, and the compiled pipelines of
 * decorated methods. Created once by `ResilienceModule` (inject it as `RESILIENCE_REGISTRY`, or
 * use the services); policy state is keyed by policy name, never by instance.
 * @publicApi
 */
export class ResilienceRegistry implements OnApplicationShutdown, PipelineSource, PolicyResolver {
  private readonly logger = new Logger('Resilience');
  private readonly kinds: { readonly [K in KindName]: NamedPolicies<K> };
  private readonly methods: MethodPipelines;
  private readonly created = new EventEmitter<CreatedPolicy>();
  private closed = false;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Subscribes to the policies this registry creates from now on (decorators' inline policies). */
  readonly onPolicyCreated = this.created.subscribe;

  /** Validates the options, creates the store and every configured policy. */
  static async create(options: ResilienceModuleOptions = {}): Promise<ResilienceRegistry> {
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new ResilienceConfigError('ResilienceModule options', options, 'an object');
    checkKnownKeys('', options, MODULE_KEYS);
    // Checked before the store connects: a bad clock or random source must not leave a connection open.
    optionalClock('clock', options.clock);
    optionalRandom('random', options.random);
    const { store, owned } = await createStore(options.store);
    try {
      return new ResilienceRegistry(options, store, owned);
    } catch (error) {
      // Bad policy options: close the connection the store opened, or it keeps the process alive.
      if (owned) await store?.close?.().catch(() => undefined);
      throw error;
    }
  }

  constructor(
    options: ResilienceModuleOptions,
    readonly store: ResilienceStore | undefined,
    private readonly ownsStore = false,
  ) {
    this.clock = optionalClock('clock', options.clock) ?? systemClock;
    this.random = optionalRandom('random', options.random) ?? Math.random;
    const env = { clock: this.clock, random: this.random, store };
    const onCreated = (kind: KindName, policy: PolicyOf<KindName>) => {
      if (this.created.hasListeners) this.created.emit({ kind, policy });
    };
    const section = <K extends KindName>(kind: K) =>
      new NamedPolicies(kind, options as Record<string, unknown>, env, onCreated);
    this.kinds = Object.fromEntries(KIND_NAMES.map((k) => [k, section(k)])) as unknown as typeof this.kinds;
    this.methods = new MethodPipelines(this.kinds, this.clock, this.logger);
    pushRegistry(this);
  }

  /** The store kind policies use: `memory` unless a shared store is configured. */
  get storeKind(): string {
    return this.store?.kind ?? 'memory';
  }

  /** The policy of `kind` named `name`; throws `ResilienceConfigError` listing the known names. */
  policy<K extends KindName>(kind: K, name: string): PolicyOf<K> {
    return this.kinds[kind].get(name);
  }

  /** Every policy of `kind` created so far (configured ones, then those of decorated methods). */
  policies<K extends KindName>(kind: K): PolicyOf<K>[] {
    return this.kinds[kind].all();
  }

  names(kind: KindName): string[] {
    return this.kinds[kind].names();
  }

  // The PolicyResolver methods, one per kind (each throws naming the known policies).
  breaker = (name: string): PolicyOf<'breaker'> => this.kinds.breaker.get(name);
  retry = (name: string): PolicyOf<'retry'> => this.kinds.retry.get(name);
  limiter = (name: string): PolicyOf<'limiter'> => this.kinds.limiter.get(name);
  timeout = (name: string): PolicyOf<'timeout'> => this.kinds.timeout.get(name);
  bulkhead = (name: string): PolicyOf<'bulkhead'> => this.kinds.bulkhead.get(name);
  fallback = (name: string): PolicyOf<'fallback'> => this.kinds.fallback.get(name);

  /**
   * The policies of a decorated method, resolved (and validated) on first use, then checked
   * together (`checkPipeline`: errors throw, warnings are logged). The explorer calls this at
   * bootstrap for every decorated provider and controller.
   */
  policiesFor(spec: ResilientMethodSpec): MethodPolicies {
    return this.methods.get(spec).policies;
  }

  /** The pipeline of a decorated method (see {@link policiesFor}). */
  pipelineFor(spec: ResilientMethodSpec): Pipeline {
    return this.methods.get(spec).pipeline;
  }

  /** @internal Called by a trampoline: its pipeline, cached until this registry closes. */
  bind(spec: ResilientMethodSpec, cache: PipelineCache): Pipeline {
    if (this.closed) throw new ResilienceRegistryClosedError(`${spec.className}.${spec.methodName}`);
    return this.methods.bind(this, spec, cache);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Forgets this registry: trampolines drop the pipelines they cached (so nothing keeps it or its
   * store alive), later calls through it reject with `ResilienceRegistryClosedError`, and the
   * store is closed if the module created it. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    removeRegistry(this);
    this.methods.clear(this);
    this.created.clear();
    if (this.ownsStore && this.store?.close) {
      try {
        await this.store.close();
      } catch (error) {
        this.logger.warn(`Closing the ${this.storeKind} store failed: ${(error as Error).message}`);
      }
    }
  }
}
