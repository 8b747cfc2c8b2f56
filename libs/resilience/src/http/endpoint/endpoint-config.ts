import type { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import type { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../../core/retry/retry.policy.js';
import { checkKnownKeys, checkNumber, optionalEnum } from '../../core/options/validate.js';
import type { HttpMethod, PolicyOption } from '../client/api-client.js';
import { assertSafeHeader, authHeaderName, HeaderFactory, type AuthType } from '../headers/header-factory.js';
import { isSensitiveHeader, REDACTED } from '../headers/headers.js';

/**
 * One API operation: where it lives, how it authenticates and which request fields it sends
 * by default (the typed counterpart of the reference `EndpointConfig` /
 * `ServiceEndpointConfig`).
 * @example
 * ```ts
 * const chat: EndpointConfig = {
 *   name: 'openaiChat',
 *   provider: 'openai',
 *   baseUrl: 'https://api.openai.com/v1',
 *   endpoint: 'chat/completions',
 *   apiKeyEnv: 'OPENAI_API_KEY',
 *   requestDefaults: { model: 'gpt-4o-mini' },
 * };
 * ```
 * @publicApi
 */
export interface EndpointConfig {
  /** Endpoint name (the key under `endpoints` when declared in the module). */
  name?: string;
  /** Provider label (`openai`, `anthropic`, ...). */
  provider: string;
  /** `http(s)://host[/prefix]`. Required for the `http` transport. */
  baseUrl?: string;
  /** Path under `baseUrl`; may hold `{param}` placeholders filled (URL-encoded) per call. */
  endpoint: string;
  /** Default `POST`. POST, PUT and PATCH send the payload as JSON; other methods as query parameters. */
  method?: HttpMethod;
  /** Default `bearer`. */
  authType?: AuthType;
  /** The key itself (prefer `apiKeyEnv`). Never logged or serialized. */
  apiKey?: string;
  /** Name of the environment variable holding the key, read once at bootstrap. */
  apiKeyEnv?: string;
  /** Default `application/json`; `null` sends none. */
  contentType?: string | null;
  /** Headers sent with every call (they win over the generated ones). */
  defaultHeaders?: Readonly<Record<string, string>>;
  /** Per-attempt timeout, ms. Default 60000. */
  timeoutMs?: number;
  /** `http` (default): calls go through an `ApiClient`. `sdk`: only `createPayload` is used. */
  transport?: 'http' | 'sdk';
  /** Body fields every payload starts from (e.g. `{ model: 'gpt-4o-mini' }`); the request wins. */
  requestDefaults?: Readonly<Record<string, unknown>>;
  /** Default values of the path's `{param}` placeholders. */
  pathParams?: Readonly<Record<string, string | number>>;
  /** Send through this named client of `ResilienceHttpModule` instead of a client of its own. */
  client?: string;
  /** Policies of the endpoint's own client (names from `ResilienceModule`, or instances). */
  breaker?: PolicyOption<CircuitBreakerPolicy>;
  retry?: PolicyOption<RetryPolicy>;
  limiter?: PolicyOption<RateLimiterPolicy>;
}

/**
 * A validated endpoint configuration that is safe to log: no key (only `hasApiKey` and the
 * variable name), credential header values replaced by `[REDACTED]`.
 * @publicApi
 */
export interface ResolvedEndpointConfig {
  readonly name: string;
  readonly provider: string;
  readonly baseUrl?: string;
  readonly endpoint: string;
  readonly method: string;
  readonly authType: AuthType;
  readonly hasApiKey: boolean;
  readonly apiKeyEnv?: string;
  readonly contentType: string | null;
  readonly defaultHeaders: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly transport: 'http' | 'sdk';
  readonly requestDefaults: Readonly<Record<string, unknown>>;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly client?: string;
  /** Placeholder names found in `endpoint`, in order. */
  readonly placeholders: readonly string[];
}

/** The outcome of {@link resolveEndpointConfig}: the log-safe config, and what must stay private. @publicApi */
export interface ResolvedEndpoint {
  config: ResolvedEndpointConfig;
  /** Every header a call sends (auth included). Private to the endpoint. */
  headers: Record<string, string>;
  /** The key, when there is one. Private to the endpoint. */
  apiKey?: string;
}

const KEYS = [
  'name',
  'provider',
  'baseUrl',
  'endpoint',
  'method',
  'authType',
  'apiKey',
  'apiKeyEnv',
  'contentType',
  'defaultHeaders',
  'timeoutMs',
  'transport',
  'requestDefaults',
  'pathParams',
  'client',
  'breaker',
  'retry',
  'limiter',
] as const;
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
  const name = input.name ?? nameHint;
  if (typeof name !== 'string' || name.length === 0)
    throw new ResilienceConfigError(`endpoints.${nameHint ?? '?'}.name`, name, 'a non-empty string');
  const p = (k: string) => `endpoints.${name}.${k}`;
  checkKnownKeys(`endpoints.${name}`, input, KEYS);
  if (typeof input.provider !== 'string' || input.provider.length === 0)
    throw new ResilienceConfigError(p('provider'), input.provider, 'a non-empty string');
  if (typeof input.endpoint !== 'string')
    throw new ResilienceConfigError(p('endpoint'), input.endpoint, 'a path string (may hold {params})');
  const transport = optionalEnum(p('transport'), input.transport, ['http', 'sdk'] as const, 'http');
  let baseUrl: string | undefined;
  if (input.baseUrl !== undefined || transport === 'http') {
    if (typeof input.baseUrl !== 'string' || !/^https?:\/\/[^\s]+$/i.test(input.baseUrl)) {
      throw new ResilienceConfigError(
        p('baseUrl'),
        input.baseUrl,
        "an absolute 'http(s)://' URL (required for the http transport)",
      );
    }
    baseUrl = input.baseUrl.replace(/\/+$/, '');
  }
  const method = input.method === undefined ? 'POST' : input.method;
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))
    throw new ResilienceConfigError(p('method'), method, 'an HTTP method');
  const authType = input.authType ?? 'bearer';
  if (typeof authType !== 'string' || authType.length === 0)
    throw new ResilienceConfigError(p('authType'), authType, "'bearer', 'x-api-key', 'none' or a header name");
  if (input.apiKey !== undefined && typeof input.apiKey !== 'string')
    throw new ResilienceConfigError(p('apiKey'), typeof input.apiKey, 'a string');
  if (input.apiKeyEnv !== undefined && (typeof input.apiKeyEnv !== 'string' || !ENV_NAME.test(input.apiKeyEnv))) {
    throw new ResilienceConfigError(p('apiKeyEnv'), input.apiKeyEnv, 'the name of an environment variable');
  }
  if (input.apiKey !== undefined && input.apiKeyEnv !== undefined)
    throw new ResilienceConfigError(p('apiKey'), REDACTED, 'either apiKey or apiKeyEnv, not both');
  const timeout =
    input.timeoutMs === undefined
      ? 60_000
      : checkNumber(p('timeoutMs'), input.timeoutMs, { min: 0, minExclusive: true });
  const contentType = input.contentType === undefined ? 'application/json' : input.contentType;
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
    shownHeaders[k] = isSensitiveHeader(k) || /key$|token$/i.test(k) ? REDACTED : v;
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

function checkRecord(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ResilienceConfigError(path, value, 'an object');
  return value as Record<string, unknown>;
}
