import { ResilienceConfigError } from '../../core/errors/index.js';
import { checkName, checkRecord, optionalEnum, optionalNumber, startNormalize } from '../../core/options/validate.js';
import { isSecretHeaderName } from '../client/secrets.js';
import { assertSafeHeader, authHeaderName, HeaderFactory } from '../headers/header-factory.js';
import { isSensitiveHeader, REDACTED } from '../headers/headers.js';
import {
  ENDPOINT_CONFIG_DEFAULTS as D,
  type EndpointConfig,
  type ResolvedEndpoint,
  type ResolvedEndpointConfig,
} from './endpoint-config.options.js';

const KNOWN = {
  name: true,
  provider: true,
  baseUrl: true,
  endpoint: true,
  method: true,
  authType: true,
  apiKey: true,
  apiKeyEnv: true,
  contentType: true,
  defaultHeaders: true,
  timeoutMs: true,
  transport: true,
  requestDefaults: true,
  pathParams: true,
  client: true,
  breaker: true,
  retry: true,
  limiter: true,
} as const satisfies Record<keyof EndpointConfig, true>;
const KNOWN_KEYS = Object.keys(KNOWN);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Validates an endpoint configuration and builds its headers (reading `apiKeyEnv` from `env`).
 * Errors are `ResilienceConfigError`s naming `endpoints.<name>.<option>`; a missing key names
 * the endpoint and the variable; no message ever contains a key.
 * @publicApi
 */
export function resolveEndpointConfig(
  input: EndpointConfig,
  nameHint?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedEndpoint {
  if (input === null || typeof input !== 'object')
    throw new ResilienceConfigError(`endpoints.${nameHint ?? '?'}`, typeof input, 'an EndpointConfig object');
  const name = checkName(`endpoints.${nameHint ?? '?'}.name`, input.name ?? nameHint);
  const p = startNormalize(`endpoints.${name}`, input, KNOWN_KEYS);
  if (typeof input.provider !== 'string' || input.provider.length === 0)
    throw new ResilienceConfigError(p('provider'), input.provider, 'a non-empty string');
  if (typeof input.endpoint !== 'string')
    throw new ResilienceConfigError(p('endpoint'), input.endpoint, 'a path string (may hold {params})');
  const transport = optionalEnum(p('transport'), input.transport, ['http', 'sdk'] as const, D.transport);
  let baseUrl: string | undefined;
  // Through a registered client (`client`), requests go to that client's base URL.
  if (input.baseUrl !== undefined || (transport === 'http' && input.client === undefined)) {
    if (typeof input.baseUrl !== 'string' || !/^https?:\/\/[^\s]+$/i.test(input.baseUrl)) {
      throw new ResilienceConfigError(
        p('baseUrl'),
        input.baseUrl,
        "an absolute 'http(s)://' URL (required for the http transport without a client)",
      );
    }
    baseUrl = input.baseUrl.replace(/\/+$/, '');
  }
  const method = input.method === undefined ? D.method : input.method;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))
    throw new ResilienceConfigError(p('method'), method, 'an HTTP method');
  const authType = input.authType ?? D.authType;
  if (typeof authType !== 'string' || authType.length === 0)
    throw new ResilienceConfigError(p('authType'), authType, "'bearer', 'x-api-key', 'none' or a header name");
  if (input.apiKey !== undefined && typeof input.apiKey !== 'string')
    throw new ResilienceConfigError(p('apiKey'), typeof input.apiKey, 'a string');
  if (input.apiKeyEnv !== undefined && (typeof input.apiKeyEnv !== 'string' || !ENV_NAME.test(input.apiKeyEnv))) {
    throw new ResilienceConfigError(p('apiKeyEnv'), input.apiKeyEnv, 'the name of an environment variable');
  }
  if (input.apiKey !== undefined && input.apiKeyEnv !== undefined)
    throw new ResilienceConfigError(p('apiKey'), REDACTED, 'either apiKey or apiKeyEnv, not both');
  const timeout = optionalNumber(p('timeoutMs'), input.timeoutMs, D.timeoutMs, { min: 0, minExclusive: true });
  const contentType = input.contentType === undefined ? D.contentType : input.contentType;
  if (contentType !== null && typeof contentType !== 'string')
    throw new ResilienceConfigError(p('contentType'), contentType, 'a string or null');
  const requestDefaults = checkRecord(p('requestDefaults'), input.requestDefaults);
  const pathParamsIn = checkRecord(p('pathParams'), input.pathParams);
  const pathParams: Record<string, string> = {};
  for (const [k, v] of Object.entries(pathParamsIn)) {
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new ResilienceConfigError(`${p('pathParams')}.${k}`, v, 'a string or number');
    pathParams[k] = String(v);
  }
  const defaultHeadersIn = checkRecord(p('defaultHeaders'), input.defaultHeaders);
  const shownHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaultHeadersIn)) {
    if (typeof v !== 'string') throw new ResilienceConfigError(`${p('defaultHeaders')}.${k}`, typeof v, 'a string');
    assertSafeHeader(k, v, `endpoint '${name}' (${p('defaultHeaders')})`);
    shownHeaders[k] = isSecretHeaderName(k) ? REDACTED : v;
  }
  if (input.client !== undefined && (typeof input.client !== 'string' || input.client.length === 0))
    throw new ResilienceConfigError(p('client'), input.client, 'the name of a declared client');

  let apiKey = input.apiKey;
  if (apiKey === undefined && input.apiKeyEnv !== undefined) {
    const v = env[input.apiKeyEnv];
    if (typeof v === 'string' && v.length > 0) apiKey = v;
  }
  if (apiKey === '') apiKey = undefined;
  const headers = HeaderFactory.getHeader({
    authType,
    contentType,
    apiKey: authType === 'none' ? undefined : apiKey,
    defaultHeaders: defaultHeadersIn as Record<string, string>,
    endpoint: name,
    ...(input.apiKeyEnv !== undefined ? { apiKeyEnv: input.apiKeyEnv } : {}),
  });
  const placeholders = [...input.endpoint.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const authHeader = authHeaderName(authType);
  if (authHeader !== undefined && !isSensitiveHeader(authHeader)) shownHeaders[authHeader] = REDACTED;

  const config: ResolvedEndpointConfig = Object.freeze({
    name,
    provider: input.provider,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    endpoint: input.endpoint,
    method: method.toUpperCase(),
    authType,
    hasApiKey: apiKey !== undefined && authType !== 'none',
    ...(input.apiKeyEnv !== undefined ? { apiKeyEnv: input.apiKeyEnv } : {}),
    contentType,
    defaultHeaders: Object.freeze(shownHeaders),
    timeoutMs: timeout,
    transport,
    requestDefaults: Object.freeze({ ...requestDefaults }),
    pathParams: Object.freeze(pathParams),
    ...(input.client !== undefined ? { client: input.client } : {}),
    placeholders: Object.freeze(placeholders),
  });
  return { config, headers, ...(apiKey !== undefined && authType !== 'none' ? { apiKey } : {}) };
}
