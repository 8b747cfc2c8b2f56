import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { methodSpecOf } from './decorators/resilient-method.js';
import { ResilienceRegistry } from './registry/resilience.registry.js';

/**
 * At bootstrap, finds every decorated method of every provider and controller (request-scoped
 * ones included: their prototypes are scanned, no instance is needed) and resolves its
 * policies, so a decorator naming a policy that does not exist, or bad inline options, fail
 * `app.init()` with a message naming the method, instead of failing the first request.
 * It also creates the breakers up front, so health checks list them before any call.
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
        if (spec !== undefined) this.registry.pipelineFor(spec);
      }
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
