import { Inject, Optional } from '@nestjs/common';
import type { CircuitBreakerOptions } from '../../core/circuit-breaker/circuit-breaker.options.js';
import type { Pipeline } from '../../core/pipeline/pipeline.js';
import type { RateLimiterOptions } from '../../core/rate-limiter/rate-limiter.options.js';
import type { RetryOptions } from '../../core/retry/retry.options.js';
import { METHOD_SPEC, REGISTRY_PROPERTY } from '../resilience.constants.js';
import { ResilienceRegistry } from '../registry/resilience.registry.js';

/**
 * How a decorator refers to its policy: by the name of a configured policy, or inline
 * options (merged over the kind's `default` entry; `name` defaults to `Class.method`).
 * @publicApi
 */
export type PolicyRef<T> = string | (Partial<T> & { name?: string });

/** What the decorators of one method asked for. @internal */
export interface ResilientMethodSpec {
  className: string;
  methodName: string;
  // eslint-disable-next-line @typescript-eslint/ban-types
  original: Function;
  breaker?: PolicyRef<CircuitBreakerOptions>;
  retry?: PolicyRef<RetryOptions>;
  limiter?: PolicyRef<RateLimiterOptions>;
}

type Kind = 'breaker' | 'retry' | 'limiter';
const DECORATOR_NAMES: Record<Kind, string> = {
  breaker: '@CircuitBreaker',
  retry: '@WithRetry',
  limiter: '@RateLimited',
};

/** Finds the AbortSignal of a call: the last argument, or its `signal` property. */
function signalOf(args: unknown[]): AbortSignal | undefined {
  // Check the length first: reading args[-1] of an empty array is a slow keyed lookup.
  if (args.length === 0) return undefined;
  const last = args[args.length - 1];
  if (typeof last !== 'object' || last === null) return undefined;
  if (last instanceof AbortSignal) return last;
  const s = (last as { signal?: unknown }).signal;
  return s instanceof AbortSignal ? s : undefined;
}

/**
 * Adds one policy to a method. The first resilience decorator applied to a method replaces
 * it with a trampoline; the others only record their policy in the same spec, so the order
 * the decorators are written in never matters (see `createPipeline` for the order applied).
 *
 * The trampoline keeps `this`, the method's name and every reflect-metadata key (route,
 * guards, pipes...), whichever side of the resilience decorators Nest's decorators are on.
 */
export function addPolicy(kind: Kind, ref: PolicyRef<unknown> | undefined): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const current = descriptor.value as unknown;
    if (typeof current !== 'function') {
      throw new TypeError(`${DECORATOR_NAMES[kind]} can only decorate methods (${String(propertyKey)} is not one)`);
    }
    const existing = (current as { [METHOD_SPEC]?: ResilientMethodSpec })[METHOD_SPEC];
    if (existing !== undefined) {
      if (existing[kind] !== undefined) {
        throw new TypeError(
          `${DECORATOR_NAMES[kind]} is applied twice to ${existing.className}.${existing.methodName}`,
        );
      }
      (existing as unknown as Record<Kind, unknown>)[kind] = ref ?? {};
      return descriptor;
    }
    // A static method's target is the class itself; an instance method's, its prototype.
    const isStatic = typeof target === 'function';
    const className = isStatic
      ? (target as { name: string }).name
      : (target as { constructor: { name: string } }).constructor.name;
    const spec: ResilientMethodSpec = {
      className,
      methodName: String(propertyKey),
      original: current as () => unknown,
    };
    (spec as unknown as Record<Kind, unknown>)[kind] = ref ?? {};
    descriptor.value = createTrampoline(spec) as never;
    // Let Nest inject the registry of the application the instance belongs to (a static
    // method has no instance: it uses the most recently initialised module).
    if (!isStatic) {
      Inject(ResilienceRegistry)(target, REGISTRY_PROPERTY);
      Optional()(target, REGISTRY_PROPERTY);
    }
    return descriptor;
  };
}

function createTrampoline(spec: ResilientMethodSpec): (...args: unknown[]) => Promise<unknown> {
  const original = spec.original as (...args: unknown[]) => unknown;
  let cachedRegistry: ResilienceRegistry | undefined;
  let cachedPipeline: Pipeline | undefined;
  const trampoline = {
    [spec.methodName](this: { [REGISTRY_PROPERTY]?: ResilienceRegistry } | undefined, ...args: unknown[]) {
      const own = this != null ? this[REGISTRY_PROPERTY] : undefined;
      if (own === undefined || own !== cachedRegistry) {
        // Slow path (first call, or no injected registry). A decorated method always returns a
        // promise: a missing module or an unresolvable policy rejects it, never throws.
        try {
          const registry = own ?? ResilienceRegistry.current();
          if (registry !== cachedRegistry) {
            cachedPipeline = registry.pipelineFor(spec);
            cachedRegistry = registry;
          }
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return cachedPipeline!(original, this, args, signalOf(args));
    },
  }[spec.methodName]!;
  // Metadata set on the original (e.g. by @Get() written below us) stays visible: copy the
  // own keys and inherit the rest through the prototype chain.
  Object.setPrototypeOf(trampoline, original);
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), trampoline);
  }
  Object.defineProperty(trampoline, 'length', { value: original.length });
  Object.defineProperty(trampoline, METHOD_SPEC, { value: spec });
  return trampoline;
}

/** The spec of a decorated method, if it is one. @internal */
export function methodSpecOf(fn: unknown): ResilientMethodSpec | undefined {
  return typeof fn === 'function' ? (fn as { [METHOD_SPEC]?: ResilientMethodSpec })[METHOD_SPEC] : undefined;
}
