import { Inject, Optional } from '@nestjs/common';
import { METHOD_SPEC, REGISTRY_PROPERTY, RESILIENCE_REGISTRY } from '../resilience.constants.js';
import { currentRegistry } from '../registry/current-registry.js';
import { POLICY_KINDS, type KindName } from '../registry/policy-kinds.js';
import type { PipelineCache, PipelineSource, PolicyRef, ResilientMethodSpec } from './method-spec.js';

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
 * Adds one policy of `kind` to a method. The first resilience decorator applied to a method
 * replaces it with a trampoline; the others only record their policy in the same spec, so the
 * order the decorators are written in never matters (`createPipeline` fixes the order applied).
 *
 * The trampoline keeps `this`, the method's name and every reflect-metadata key (route,
 * guards, pipes...), whichever side of the resilience decorators Nest's decorators are on.
 * @internal
 */
export function addPolicy(kind: KindName, ref: PolicyRef<unknown> | undefined): MethodDecorator {
  const decorator = POLICY_KINDS[kind].decorator;
  return (target, propertyKey, descriptor) => {
    const current = descriptor.value as unknown;
    if (typeof current !== 'function') {
      throw new TypeError(`${decorator} can only decorate methods (${String(propertyKey)} is not one)`);
    }
    const existing = methodSpecOf(current);
    if (existing !== undefined) {
      if (existing.refs[kind] !== undefined) {
        throw new TypeError(`${decorator} is applied twice to ${existing.className}.${existing.methodName}`);
      }
      existing.refs[kind] = ref ?? {};
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
      isStatic,
      original: current as () => unknown,
      refs: { [kind]: ref ?? {} },
    };
    descriptor.value = createTrampoline(spec) as never;
    // Let Nest inject the registry of the application the instance belongs to (a static
    // method has no instance: it uses the most recently initialised module).
    if (!isStatic) {
      Inject(RESILIENCE_REGISTRY)(target, REGISTRY_PROPERTY);
      Optional()(target, REGISTRY_PROPERTY);
    }
    return descriptor;
  };
}

function createTrampoline(spec: ResilientMethodSpec): (...args: unknown[]) => Promise<unknown> {
  const original = spec.original as (...args: unknown[]) => unknown;
  // Cleared by the registry when it closes: the trampoline never keeps a closed registry alive.
  const cache: PipelineCache = { source: undefined, pipeline: undefined };
  const trampoline = {
    [spec.methodName](this: { [REGISTRY_PROPERTY]?: PipelineSource } | undefined, ...args: unknown[]) {
      const own = this != null ? this[REGISTRY_PROPERTY] : undefined;
      let pipeline = cache.pipeline;
      if (own === undefined || own !== cache.source) {
        // Slow path (first call, another application, or no injected registry). A decorated method
        // always returns a promise: a missing or closed module, or a bad policy, rejects it, never throws.
        try {
          pipeline = (own ?? currentRegistry()).bind(spec, cache);
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return pipeline!(original, this, args, signalOf(args));
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
