import {
  Global,
  Injectable,
  Module,
  type FactoryProvider,
  type InjectionToken,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common';
import { isResilienceConfigError, ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import { EXECUTOR_SOURCE } from '../executor-source.js';
import { Executor } from '../executor.js';
import type { ExecutorDeps, ExecutorOptions } from '../executor.options.js';
import { ExecutorRegistry } from './executor.registry.js';
import { getExecutorToken } from './executor.tokens.js';

/** Holds the registry, once per application, whatever registers executors. @internal */
@Global()
@Module({
  providers: [ExecutorRegistry, { provide: EXECUTOR_SOURCE, useExisting: ExecutorRegistry }],
  exports: [ExecutorRegistry, EXECUTOR_SOURCE],
})
export class ResilienceExecutorCoreModule {}

/** Stops the executors at shutdown (see {@link ResilienceExecutorShutdownModule}). @internal */
@Injectable()
export class ExecutorShutdownHook implements OnModuleDestroy {
  constructor(private readonly registry: ExecutorRegistry) {}

  async onModuleDestroy(): Promise<void> {
    await this.registry.stopAll();
  }
}

/**
 * Not global on purpose: Nest destroys modules by increasing distance from the root and the
 * global ones last, so the executors drain while the global modules they use (the HTTP
 * clients of `ResilienceHttpModule`, the store of `ResilienceModule`) are still open,
 * whatever the import order. @internal
 */
@Module({ providers: [ExecutorShutdownHook] })
export class ResilienceExecutorShutdownModule {}

/** Where a registration's options come from: a static value, or a provider (the `*Async` methods). @internal */
export type DeclarationSource = { readonly value: unknown } | { readonly token: InjectionToken };

/**
 * The provider of `getExecutorToken(name)`: validates the options at bootstrap (a
 * `ResilienceConfigError` naming `executors.<name>.<option>`) and creates the executor on the
 * clock, random source, store and policy names of `ResilienceModule`'s `POLICY_RESOLVER` when
 * there is one.
 * @internal
 */
export function executorProvider(name: string, source: DeclarationSource): FactoryProvider<Executor> {
  const fromToken = 'token' in source;
  return {
    provide: getExecutorToken(name),
    inject: [...(fromToken ? [source.token] : []), ExecutorRegistry, { token: POLICY_RESOLVER, optional: true }],
    useFactory: (...args: unknown[]) => {
      const decl = fromToken ? args.shift() : source.value;
      const [registry, resolver] = args as [ExecutorRegistry, PolicyResolver | undefined];
      return registry.add(name, createExecutor(name, decl, resolver ?? undefined));
    },
  };
}

function createExecutor(name: string, decl: unknown, resolver: PolicyResolver | undefined): Executor {
  if (decl === null || typeof decl !== 'object' || Array.isArray(decl))
    throw new ResilienceConfigError(`executors.${name}`, decl, 'an Executor options object');
  return Executor.create(name, decl as ExecutorOptions, resolver === undefined ? {} : depsOf(name, resolver));
}

/**
 * What the executor runs on: the resolver's clock, random source and store, and the resolver
 * itself, whose unknown retry / breaker names fail naming `executors.<name>.retry` /
 * `.circuitBreaker` (the registry's message lists the known policies).
 */
function depsOf(name: string, resolver: PolicyResolver): ExecutorDeps {
  const named =
    <P>(option: string, get: (n: string) => P) =>
    (policy: string): P => {
      try {
        return get(policy);
      } catch (error) {
        if (!isResilienceConfigError(error)) throw error;
        throw new ResilienceConfigError(`executors.${name}.${option}`, policy, error.expected);
      }
    };
  const scoped: PolicyResolver = {
    breaker: named('circuitBreaker', (n) => resolver.breaker(n)),
    retry: named('retry', (n) => resolver.retry(n)),
    limiter: (n) => resolver.limiter(n),
    timeout: (n) => resolver.timeout(n),
    bulkhead: (n) => resolver.bulkhead(n),
    fallback: (n) => resolver.fallback(n),
    ...(resolver.clock !== undefined ? { clock: resolver.clock } : {}),
    ...(resolver.random !== undefined ? { random: resolver.random } : {}),
    ...(resolver.store !== undefined ? { store: resolver.store } : {}),
  };
  return {
    resolver: scoped,
    ...(resolver.clock !== undefined ? { clock: resolver.clock } : {}),
    ...(resolver.random !== undefined ? { random: resolver.random } : {}),
    ...(resolver.store !== undefined ? { store: resolver.store } : {}),
  };
}

/** Throws at bootstrap (an `executors` section that is not an object of named options). @internal */
export function invalidSectionProvider(value: unknown): Provider {
  return {
    provide: Symbol('nest-resilience:invalid-executors'),
    useFactory: () => {
      throw new ResilienceConfigError('executors', value, 'an object of named executor options');
    },
  };
}
