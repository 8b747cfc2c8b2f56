import type { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import type { PolicyOption } from '../../core/policy/policy-resolver.js';
import type { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../../core/retry/retry.policy.js';
import type { HttpMethod } from '../client/api-client.options.js';
import type { AuthType } from '../headers/header-factory.js';

/**
 * One API operation: where it lives, how it authenticates and which request fields it sends
 * by default.
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
  /** `http(s)://host[/prefix]`. Required for the `http` transport, unless `client` is set (requests then go to the client's). */
  baseUrl?: string;
  /** Path under `baseUrl`; may hold `{param}` placeholders filled (URL-encoded) per call. */
  endpoint: string;
  /** Default `'POST'`. POST, PUT and PATCH send the payload as JSON; other methods as query parameters. */
  method?: HttpMethod;
  /** Default `'bearer'`. */
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
  /** `'http'` (default): calls go through an `ApiClient`. `'sdk'`: only `createPayload` is used. */
  transport?: 'http' | 'sdk';
  /** Body fields every payload starts from (e.g. `{ model: 'gpt-4o-mini' }`); the request wins. */
  requestDefaults?: Readonly<Record<string, unknown>>;
  /** Default values of the path's `{param}` placeholders. */
  pathParams?: Readonly<Record<string, string | number>>;
  /** Send through this named client of `ResilienceHttpModule` instead of a client of its own. Default: none. */
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

/**
 * Defaults of {@link EndpointConfig} (what {@link resolveEndpointConfig} applies).
 * @publicApi
 */
export const ENDPOINT_CONFIG_DEFAULTS = Object.freeze({
  method: 'POST',
  authType: 'bearer',
  contentType: 'application/json',
  timeoutMs: 60_000,
  transport: 'http',
} as const);
