import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ResilienceConfigError } from '../core/errors/index.js';
import type { ResilientMethodSpec } from './decorators/method-spec.js';
import { methodSpecOf } from './decorators/resilient-method.js';
import { POLICY_KINDS } from './registry/policy-kinds.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';

/**
 * At bootstrap, finds every decorated method of every provider and controller (request-scoped
 * ones included: their prototypes are scanned, no instance is needed) and resolves its
 * policies, so a decorator naming a policy that does not exist, bad inline options, policies
 * that contradict each other, or a `@Fallback({ method })` the class lacks fail `app.init()`
 * with a message naming the method, instead of failing the first request. It also creates the
 * policies up front, so health checks and services list them before any call.
 */
@Injectable()
export class ResilienceExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: ResilienceRegistry,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const proto = prototypeOf(wrapper.metatype, wrapper.instance);
      if (proto === undefined || seen.has(proto)) continue;
      seen.add(proto);
      for (const name of this.scanner.getAllMethodNames(proto)) {
        const spec = methodSpecOf((proto as Record<string, unknown>)[name]);
        if (spec !== undefined) this.check(spec, proto);
      }
    }
  }

  private check(spec: ResilientMethodSpec, proto: object): void {
    const { fallback } = this.registry.policiesFor(spec);
    const method = fallback?.options.method;
    if (method === undefined) return;
    if (typeof (proto as Record<string, unknown>)[method] !== 'function') {
      throw new ResilienceConfigError(
        `${POLICY_KINDS.fallback.decorator} on ${spec.className}.${spec.methodName}: method`,
        method,
        `the name of a method of ${spec.className} (fallback '${fallback!.name}' calls it with (error, ...args))`,
      );
    }
  }
}

function prototypeOf(metatype: unknown, instance: unknown): object | undefined {
  // Class providers: the class; factory/value providers: whatever the instance is made of.
  if (
    typeof metatype === 'function' &&
    metatype.prototype &&
    Object.getOwnPropertyNames(metatype.prototype).length > 1
  ) {
    return metatype.prototype as object;
  }
  if (instance !== null && typeof instance === 'object') return Object.getPrototypeOf(instance) as object;
  return undefined;
}
