import { Global, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import type { ApiClient } from '../client/api-client.js';
import type { Endpoint } from '../endpoint/endpoint.js';

/** Named things of one kind, closed together. @internal */
export class NamedRegistry<T extends { close(): Promise<void> }> {
  protected readonly items = new Map<string, T>();

  constructor(
    private readonly section: 'clients' | 'endpoints',
    private readonly noun: string,
  ) {}

  /** The one registered as `name`; throws `ResilienceConfigError` listing the registered names. */
  get(name: string): T {
    const item = this.items.get(name);
    if (item === undefined) {
      const known = this.names();
      throw new ResilienceConfigError(
        `${this.section}.${name}`,
        name,
        known.length > 0
          ? `a registered ${this.noun}: ${known.join(', ')}`
          : `a ${this.noun} registered with ResilienceHttpModule (none is)`,
      );
    }
    return item;
  }

  /** True when `name` is registered. */
  has(name: string): boolean {
    return this.items.has(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.items.keys()];
  }

  /** Adds `item` as `name`; a name registered twice throws (the second `item` is closed). @internal */
  add(name: string, item: T): T {
    if (this.items.has(name)) {
      void item.close();
      throw new ResilienceConfigError(
        `${this.section}.${name}`,
        name,
        `a ${this.noun} name registered once in the application (it is registered twice)`,
      );
    }
    this.items.set(name, item);
    return item;
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Closes every one. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.items.values()].map((i) => i.close()));
  }
}

/**
 * The application's named {@link ApiClient}s (every `forRoot({ clients })` and
 * `registerClient[Async]` registration), closed when the application shuts down.
 * @publicApi
 */
@Injectable()
export class ApiClientRegistry extends NamedRegistry<ApiClient> implements OnModuleDestroy {
  constructor() {
    super('clients', 'client');
  }
}

/**
 * The application's named {@link Endpoint}s (every `forRoot({ endpoints })` and
 * `registerEndpoint[Async]` registration); closing one closes its own client.
 * @publicApi
 */
@Injectable()
export class EndpointRegistry extends NamedRegistry<Endpoint> implements OnModuleDestroy {
  constructor() {
    super('endpoints', 'endpoint');
  }
}

/** Holds the registries, once per application, whatever registers clients and endpoints. @internal */
@Global()
@Module({ providers: [ApiClientRegistry, EndpointRegistry], exports: [ApiClientRegistry, EndpointRegistry] })
export class ResilienceHttpCoreModule {}
