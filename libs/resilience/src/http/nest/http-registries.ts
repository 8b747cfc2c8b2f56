import type { OnModuleDestroy } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { ApiClient, type PolicyResolver } from '../client/api-client.js';
import { Endpoint } from '../endpoint/endpoint.js';
import type { ResilienceHttpModuleOptions } from './resilience-http-options.interface.js';

function section(options: ResilienceHttpModuleOptions, key: 'clients' | 'endpoints'): Record<string, object> {
  const v = (options as Record<string, unknown>)[key];
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new ResilienceConfigError(key, v, 'an object of named declarations');
  for (const [name, d] of Object.entries(v)) {
    if (d === null || typeof d !== 'object' || Array.isArray(d))
      throw new ResilienceConfigError(`${key}.${name}`, d, 'an options object');
  }
  return v as Record<string, object>;
}

/**
 * The named {@link ApiClient}s of `ResilienceHttpModule`, created (and validated) at
 * bootstrap and closed when the module is destroyed.
 * @publicApi
 */
export class ApiClientRegistry implements OnModuleDestroy {
  private readonly clients = new Map<string, ApiClient>();

  /** Validates every declaration and creates the clients; policy names resolve through `policies`. */
  constructor(options: ResilienceHttpModuleOptions, policies?: PolicyResolver) {
    if (options === null || typeof options !== 'object')
      throw new ResilienceConfigError('ResilienceHttpModule options', options, 'an object');
    const unknown = Object.keys(options).filter((k) => !['clients', 'endpoints', 'logger', 'env'].includes(k));
    if (unknown.length > 0)
      throw new ResilienceConfigError(
        unknown[0]!,
        (options as Record<string, unknown>)[unknown[0]!],
        'one of the known options: clients, endpoints, logger, env',
      );
    try {
      for (const [name, decl] of Object.entries(section(options, 'clients'))) {
        const d = decl as ConstructorParameters<typeof ApiClient>[0];
        if (d.name !== undefined && d.name !== name)
          throw new ResilienceConfigError(`clients.${name}.name`, d.name, `'${name}' (the key) or nothing`);
        const opts = {
          ...d,
          name,
          ...(d.logger === undefined && options.logger !== undefined ? { logger: options.logger } : {}),
        };
        this.clients.set(name, new ApiClient(opts, policies !== undefined ? { policies } : {}));
      }
    } catch (error) {
      void this.close();
      throw error;
    }
  }

  /** The client declared as `clients.<name>`. */
  get(name: string): ApiClient {
    const c = this.clients.get(name);
    if (c === undefined) {
      const known = [...this.clients.keys()];
      throw new ResilienceConfigError(
        `clients.${name}`,
        undefined,
        known.length ? `a declared client: ${known.join(', ')}` : 'a client declared in ResilienceHttpModule (none is)',
      );
    }
    return c;
  }

  /** Declared client names. */
  names(): string[] {
    return [...this.clients.keys()];
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Closes every client. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}

/**
 * The named {@link Endpoint}s of `ResilienceHttpModule`. An endpoint with `client: 'x'`
 * sends through the declared client `x`; others get a client of their own.
 * @publicApi
 */
export class EndpointRegistry implements OnModuleDestroy {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(options: ResilienceHttpModuleOptions, clients: ApiClientRegistry, policies?: PolicyResolver) {
    try {
      for (const [name, decl] of Object.entries(section(options, 'endpoints'))) {
        const cfg = decl as ConstructorParameters<typeof Endpoint>[0];
        if (cfg.name !== undefined && cfg.name !== name)
          throw new ResilienceConfigError(`endpoints.${name}.name`, cfg.name, `'${name}' (the key) or nothing`);
        let client: ApiClient | undefined;
        if (cfg.client !== undefined) {
          if (typeof cfg.client !== 'string' || !clients.names().includes(cfg.client)) {
            throw new ResilienceConfigError(
              `endpoints.${name}.client`,
              cfg.client,
              `the name of a declared client (${clients.names().join(', ') || 'none is declared'})`,
            );
          }
          client = clients.get(cfg.client);
        }
        this.endpoints.set(
          name,
          new Endpoint(
            { ...cfg, name },
            {
              ...(client !== undefined ? { client } : {}),
              ...(policies !== undefined ? { policies } : {}),
              ...(options.env !== undefined ? { env: options.env } : {}),
              ...(options.logger !== undefined ? { logger: options.logger } : {}),
            },
          ),
        );
      }
    } catch (error) {
      void this.close();
      throw error;
    }
  }

  /** The endpoint declared as `endpoints.<name>`. */
  get(name: string): Endpoint {
    const e = this.endpoints.get(name);
    if (e === undefined) {
      const known = [...this.endpoints.keys()];
      throw new ResilienceConfigError(
        `endpoints.${name}`,
        undefined,
        known.length
          ? `a declared endpoint: ${known.join(', ')}`
          : 'an endpoint declared in ResilienceHttpModule (none is)',
      );
    }
    return e;
  }

  /** Declared endpoint names. */
  names(): string[] {
    return [...this.endpoints.keys()];
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Closes the endpoints' own clients. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
  }
}
