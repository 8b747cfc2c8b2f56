import type { FactoryProvider, InjectionToken, OptionalFactoryDependency } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { POLICY_RESOLVER, type PolicyResolver } from '../../core/policy/policy-resolver.js';
import { ApiClient } from '../client/api-client.js';
import { Endpoint } from '../endpoint/endpoint.js';
import { ApiClientRegistry, EndpointRegistry } from './http-registries.js';
import { getApiClientToken, getEndpointToken, nameOfToken, RESILIENCE_HTTP_SETTINGS } from './http.tokens.js';
import type { ClientDeclaration, EndpointDeclaration, NormalizedHttpSettings } from './resilience-http.options.js';

/** Where a registration's options come from: a static value, or a provider (the `*Async` methods). @internal */
export type DeclarationSource = { readonly value: unknown } | { readonly token: InjectionToken };

type Shared = [NormalizedHttpSettings | undefined, PolicyResolver | undefined];
const SHARED: OptionalFactoryDependency[] = [
  { token: RESILIENCE_HTTP_SETTINGS, optional: true },
  { token: POLICY_RESOLVER, optional: true },
];

/** The provider of `getApiClientToken(name)`: validates the declaration at bootstrap and creates the client. @internal */
export function apiClientProvider(name: string, source: DeclarationSource): FactoryProvider<ApiClient> {
  const fromToken = 'token' in source;
  return {
    provide: getApiClientToken(name),
    inject: [...(fromToken ? [source.token] : []), ApiClientRegistry, ...SHARED],
    useFactory: (...args: unknown[]) => {
      const decl = fromToken ? args.shift() : source.value;
      const [registry, settings, policies] = args as [ApiClientRegistry, ...Shared];
      return registry.add(name, createApiClient(name, decl, settings, policies));
    },
  };
}

/**
 * The provider of `getEndpointToken(name)`. An endpoint that sends through a registered client
 * (`client: 'x'`) depends on that client's token, so the client exists first; an unregistered
 * name fails the bootstrap naming `endpoints.<name>.client` and the registered clients.
 * @internal
 */
export function endpointProvider(name: string, source: DeclarationSource, client: unknown): FactoryProvider<Endpoint> {
  const fromToken = 'token' in source;
  const usesClient = typeof client === 'string' && client.length > 0;
  return {
    provide: getEndpointToken(name),
    inject: [
      ...(fromToken ? [source.token] : []),
      EndpointRegistry,
      ApiClientRegistry,
      { token: ModulesContainer, optional: true },
      ...SHARED,
      ...(usesClient ? [{ token: getApiClientToken(client), optional: true }] : []),
    ],
    useFactory: (...args: unknown[]) => {
      const decl = fromToken ? args.shift() : source.value;
      const [registry, clients, container, settings, policies, shared] = args as [
        EndpointRegistry,
        ApiClientRegistry,
        ModulesContainer | undefined,
        ...Shared,
        ApiClient | undefined,
      ];
      const d = checkDeclaration('endpoints', name, decl) as EndpointDeclaration;
      if (client !== undefined && d.client !== undefined && d.client !== client)
        throw new ResilienceConfigError(
          `endpoints.${name}.client`,
          d.client,
          `'${String(client)}' (given statically) or nothing`,
        );
      if (client !== undefined && (!usesClient || shared == null)) {
        const known = registeredClients(clients, container);
        throw new ResilienceConfigError(
          `endpoints.${name}.client`,
          client,
          `the name of a client registered with ResilienceHttpModule (registered: ${known.join(', ') || 'none'})`,
        );
      }
      const endpoint = new Endpoint(
        { ...d, name, ...(usesClient ? { client } : {}) },
        {
          ...(shared != null ? { client: shared } : {}),
          ...(policies != null ? { policies } : {}),
          ...(settings !== undefined ? { env: settings.env } : {}),
          ...(settings?.logger !== undefined ? { logger: settings.logger } : {}),
        },
      );
      return registry.add(name, endpoint);
    },
  };
}

function createApiClient(
  name: string,
  decl: unknown,
  settings: NormalizedHttpSettings | undefined,
  policies: PolicyResolver | undefined,
): ApiClient {
  const d = checkDeclaration('clients', name, decl) as ClientDeclaration;
  const logger = d.logger ?? settings?.logger;
  return new ApiClient(
    { ...d, name, ...(logger !== undefined ? { logger } : {}) },
    policies != null ? { policies } : {},
  );
}

/** A declaration must be an options object whose `name`, if any, is the registered one. */
function checkDeclaration(section: 'clients' | 'endpoints', name: string, decl: unknown): object {
  if (decl === null || typeof decl !== 'object' || Array.isArray(decl))
    throw new ResilienceConfigError(
      `${section}.${name}`,
      decl,
      section === 'clients' ? 'an ApiClient options object' : 'an EndpointConfig object',
    );
  const given = (decl as { name?: unknown }).name;
  if (given !== undefined && given !== name)
    throw new ResilienceConfigError(`${section}.${name}.name`, given, `'${name}' (the registered name) or nothing`);
  return decl;
}

/** Client names registered in this application: created ones, and tokens provided by any module. */
function registeredClients(clients: ApiClientRegistry, container: ModulesContainer | undefined): string[] {
  const names = new Set(clients.names());
  for (const mod of container?.values() ?? []) {
    for (const token of mod.providers.keys()) {
      const n = nameOfToken('client', token);
      if (n !== undefined) names.add(n);
    }
  }
  return [...names];
}

/** Throws at bootstrap (a declarations section that is not an object of named declarations). @internal */
export function invalidSectionProvider(section: 'clients' | 'endpoints', value: unknown): FactoryProvider {
  return {
    provide: Symbol(`nest-resilience:invalid-${section}`),
    useFactory: () => {
      throw new ResilienceConfigError(
        section,
        value,
        `an object of named ${section === 'clients' ? 'client' : 'endpoint'} declarations`,
      );
    },
  };
}
