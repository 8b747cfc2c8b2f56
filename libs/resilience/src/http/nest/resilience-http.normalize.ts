import { ResilienceConfigError } from '../../core/errors/index.js';
import { checkKnownKeys, optionalMethods } from '../../core/options/validate.js';
import type { ApiClientLogger } from '../client/api-client.options.js';
import type { NormalizedHttpSettings, ResilienceHttpModuleOptions } from './resilience-http.options.js';

const KNOWN = { logger: true, env: true } as const satisfies Record<keyof ResilienceHttpModuleOptions, true>;
const KNOWN_KEYS = Object.keys(KNOWN);
const STATIC = ['clients', 'endpoints'];

/**
 * Validates the shared settings of `ResilienceHttpModule.forRoot[Async]` at bootstrap
 * (`ResilienceConfigError` naming `logger` / `env`). `clients` / `endpoints` returned by a
 * `forRootAsync` factory are refused: their names must be static so that their tokens exist.
 * @internal
 */
export function normalizeHttpSettings(options: unknown): NormalizedHttpSettings {
  if (options === undefined || options === null) return { logger: undefined, env: process.env };
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ResilienceConfigError('ResilienceHttpModule options', options, 'an object { logger?, env? }');
  for (const key of STATIC) {
    if (key in options)
      throw new ResilienceConfigError(
        key,
        typeof (options as Record<string, unknown>)[key],
        `${key} declared statically, next to useFactory (forRootAsync({ ${key}, useFactory })), or registered with ` +
          `${key === 'clients' ? 'registerClientAsync' : 'registerEndpointAsync'}({ name, useFactory }): a factory cannot add injection tokens`,
      );
  }
  checkKnownKeys('', options, KNOWN_KEYS);
  const o = options as ResilienceHttpModuleOptions;
  const logger = optionalMethods<ApiClientLogger>(
    'logger',
    o.logger,
    ['debug'],
    'an object with a debug(message) method',
  );
  if (o.env !== undefined && (o.env === null || typeof o.env !== 'object' || Array.isArray(o.env)))
    throw new ResilienceConfigError('env', o.env, 'an object of environment variables (default process.env)');
  return { logger, env: o.env ?? process.env };
}
