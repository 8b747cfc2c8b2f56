import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { systemClock, type Clock, type RandomSource } from '../../core/clock.js';
import { ResilienceConfigError, ResilienceError } from '../../core/errors/errors.js';
import { createPipeline, type Pipeline } from '../../core/pipeline/pipeline.js';
import type { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../../core/retry/retry.policy.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { checkKnownKeys, optionalClock, optionalRandom } from '../../core/options/validate.js';
import type { PolicyRef, ResilientMethodSpec } from '../decorators/resilient-method.js';
import { buildPolicy, SECTION, validateDefaults, type AnyPolicy, type Kind, type PolicyEnv } from './policy-build.js';
import { DEFAULT_POLICY } from '../resilience.constants.js';
import type { ResilienceModuleOptions } from '../resilience-options.interface.js';
import { sameOptions } from './same-options.js';
import { createStore } from '../store.factory.js';

const DECORATOR: Record<Kind, string> = { breaker: '@CircuitBreaker', retry: '@WithRetry', limiter: '@RateLimited' };
const MODULE_KEYS = ['breakers', 'retries', 'limiters', 'store', 'clock', 'random'] as const;

/** Raised when a decorated method runs outside any application that imports `ResilienceModule`. @publicApi */
export class ResilienceNotInitializedError extends ResilienceError {
  constructor() {
    super(
      'No ResilienceModule is initialised: import ResilienceModule.forRoot() in the application that calls this method',
    );
  }
}

interface Entry {
  policy: AnyPolicy;
  /** The inline options that defined it (to detect conflicting definitions of one name). */
  definedBy?: object;
}

/**
 * Holds every policy of one application, by kind and name, and the compiled pipelines of
 * decorated methods. Created once by `ResilienceModule`; all state is keyed by policy name,
 * never by instance.
 * @publicApi
 */
export class ResilienceRegistry implements OnApplicationShutdown, PolicyEnv {
  private static readonly active: ResilienceRegistry[] = [];
  private readonly logger = new Logger('Resilience');
  private readonly entries: Record<Kind, Map<string, Entry>> = {
    breaker: new Map(),
    retry: new Map(),
    limiter: new Map(),
  };
  private readonly pipelines = new WeakMap<ResilientMethodSpec, Pipeline>();
  readonly clock: Clock;
  readonly random: RandomSource;

  /** Validates the options, creates the store and every configured policy. */
  static async create(options: ResilienceModuleOptions = {}): Promise<ResilienceRegistry> {
    if (options === null || typeof options !== 'object')
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

  /** The registry of the most recently initialised application (for classes Nest did not create). */
  static current(): ResilienceRegistry {
    const r = ResilienceRegistry.active[ResilienceRegistry.active.length - 1];
    if (r === undefined) throw new ResilienceNotInitializedError();
    return r;
  }

  constructor(
    private readonly options: ResilienceModuleOptions,
    readonly store: ResilienceStore | undefined,
    private readonly ownsStore = false,
  ) {
    this.clock = optionalClock('clock', options.clock) ?? systemClock;
    this.random = optionalRandom('random', options.random) ?? Math.random;
    for (const kind of ['breaker', 'retry', 'limiter'] as const) this.createConfigured(kind);
    ResilienceRegistry.active.push(this);
  }

  /** The store kind policies use: `memory` unless a shared store is configured. */
  get storeKind(): string {
    return this.store?.kind ?? 'memory';
  }

  breaker(name: string): CircuitBreakerPolicy {
    return this.get('breaker', name) as CircuitBreakerPolicy;
  }

  retry(name: string): RetryPolicy {
    return this.get('retry', name) as RetryPolicy;
  }

  limiter(name: string): RateLimiterPolicy {
    return this.get('limiter', name) as RateLimiterPolicy;
  }

  /** Every breaker created so far (configured ones and those of decorated methods). */
  breakers(): CircuitBreakerPolicy[] {
    return [...this.entries.breaker.values()].map((e) => e.policy as CircuitBreakerPolicy);
  }

  limiters(): RateLimiterPolicy[] {
    return [...this.entries.limiter.values()].map((e) => e.policy as RateLimiterPolicy);
  }

  names(kind: Kind): string[] {
    return [...this.entries[kind].keys()];
  }

  /**
   * The pipeline of a decorated method: resolves (and validates) its policies on first use.
   * The explorer calls this at bootstrap for every decorated provider and controller.
   */
  pipelineFor(spec: ResilientMethodSpec): Pipeline {
    let pipeline = this.pipelines.get(spec);
    if (pipeline === undefined) {
      pipeline = createPipeline({
        breaker:
          spec.breaker !== undefined
            ? (this.resolve('breaker', spec.breaker, spec) as CircuitBreakerPolicy)
            : undefined,
        retry: spec.retry !== undefined ? (this.resolve('retry', spec.retry, spec) as RetryPolicy) : undefined,
        limiter:
          spec.limiter !== undefined ? (this.resolve('limiter', spec.limiter, spec) as RateLimiterPolicy) : undefined,
        clock: this.clock,
      });
      this.pipelines.set(spec, pipeline);
    }
    return pipeline;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** Forgets this registry and closes the store if the module created it. Idempotent. */
  async close(): Promise<void> {
    const i = ResilienceRegistry.active.indexOf(this);
    if (i < 0) return;
    ResilienceRegistry.active.splice(i, 1);
    if (this.ownsStore && this.store?.close) {
      try {
        await this.store.close();
      } catch (error) {
        this.logger.warn(`Closing the ${this.storeKind} store failed: ${(error as Error).message}`);
      }
    }
  }

  private get(kind: Kind, name: string): AnyPolicy {
    const entry = this.entries[kind].get(name);
    if (entry === undefined) {
      const known = this.names(kind);
      throw new ResilienceConfigError(
        `${SECTION[kind]}`,
        name,
        known.length
          ? `the name of a configured ${kind}: ${known.join(', ')}`
          : `a configured ${kind} (none is configured under '${SECTION[kind]}')`,
      );
    }
    return entry.policy;
  }

  private section(kind: Kind): Record<string, Record<string, unknown>> {
    const value = (this.options as Record<string, unknown>)[SECTION[kind]];
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ResilienceConfigError(SECTION[kind], value, 'an object of named policies');
    }
    for (const [name, v] of Object.entries(value)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v))
        throw new ResilienceConfigError(`${SECTION[kind]}.${name}`, v, 'an options object');
    }
    return value as Record<string, Record<string, unknown>>;
  }

  private createConfigured(kind: Kind): void {
    const section = this.section(kind);
    const defaults = section[DEFAULT_POLICY] ?? {};
    validateDefaults(kind, defaults);
    for (const [name, options] of Object.entries(section)) {
      if (name === DEFAULT_POLICY) continue;
      this.entries[kind].set(name, {
        policy: buildPolicy(this, kind, name, { ...defaults, ...options }, `${SECTION[kind]}.${name}`),
      });
    }
  }

  private resolve(kind: Kind, ref: PolicyRef<unknown>, spec: ResilientMethodSpec): AnyPolicy {
    const where = `${DECORATOR[kind]} on ${spec.className}.${spec.methodName}`;
    if (typeof ref === 'string') {
      // A name refers to configured policies only (never to one a decorator defined inline,
      // which would make the result depend on the order classes are scanned in).
      const entry = this.entries[kind].get(ref);
      if (entry === undefined || entry.definedBy !== undefined) {
        const known = this.names(kind).filter((n) => this.entries[kind].get(n)?.definedBy === undefined);
        throw new ResilienceConfigError(
          where,
          ref,
          known.length
            ? `one of the configured ${SECTION[kind]}: ${known.join(', ')}`
            : `a policy configured under '${SECTION[kind]}' (none is)`,
        );
      }
      return entry.policy;
    }
    if (ref === null || typeof ref !== 'object')
      throw new ResilienceConfigError(where, ref, 'a policy name or an options object');
    const { name: explicitName, ...inline } = ref as Record<string, unknown>;
    if (explicitName !== undefined && (typeof explicitName !== 'string' || explicitName.length === 0)) {
      throw new ResilienceConfigError(`${where}.name`, explicitName, 'a non-empty string');
    }
    const name = (explicitName as string | undefined) ?? `${spec.className}.${spec.methodName}`;
    const existing = this.entries[kind].get(name);
    if (existing !== undefined) {
      if (existing.definedBy === undefined && Object.keys(inline).length === 0) return existing.policy;
      if (existing.definedBy !== undefined && sameOptions(existing.definedBy, inline)) return existing.policy;
      throw new ResilienceConfigError(
        where,
        name,
        `a name not already defined with other options (${kind} '${name}' is defined elsewhere); use the name alone to share it`,
      );
    }
    const section = this.section(kind);
    const merged = { ...(section[DEFAULT_POLICY] ?? {}), ...inline };
    const policy = buildPolicy(this, kind, name, merged, where);
    this.entries[kind].set(name, { policy, definedBy: inline });
    return policy;
  }
}
