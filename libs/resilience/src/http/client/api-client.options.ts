import type { Clock } from '../../core/clock.js';
import type { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import type { PolicyOption, PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { RetryPolicy } from '../../core/retry/retry.policy.js';
import type { AdaptiveRateLimiter } from '../limiters/adaptive-rate-limiter.js';
import type { NormalizedHeaders } from '../headers/headers.js';

/**
 * What the client needs of an axios instance: its `request()`. Structural, so that
 * `HttpService.axiosRef` of any `@nestjs/axios` version fits, whether its types come from
 * axios' ESM or its CommonJS declarations (TypeScript treats those as two unrelated types).
 * @publicApi
 */
export interface AxiosLike {
  /** Sends one request (the client passes an `AxiosRequestConfig`). */
  request(config: object): Promise<unknown>;
}

/** HTTP methods the client sends. @publicApi */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | (string & {});

/** Query parameters: `undefined` / `null` values are skipped, arrays repeat the name. @publicApi */
export type QueryParams =
  | Readonly<Record<string, string | number | boolean | null | undefined | readonly (string | number | boolean)[]>>
  | URLSearchParams;

/** Per-request options of {@link ApiClient.request}. @publicApi */
export interface RequestOptions {
  /** Query parameters appended to the path. */
  params?: QueryParams;
  /** A value sent as JSON (`Content-Type: application/json` unless set). Exclusive with `data`. */
  json?: unknown;
  /** A raw body (string, Buffer, URLSearchParams, stream). Exclusive with `json`. */
  data?: unknown;
  /** Extra headers; they win over the client's default headers. */
  headers?: Readonly<Record<string, string>>;
  /** Timeout of this request in ms (each attempt). Default: the client's. */
  timeoutMs?: number;
  /** Cancels the request and any retry wait; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Extra strings (e.g. a key sent in a custom header) scrubbed from this request's errors
   * and log lines, besides the client's own secrets.
   */
  secrets?: readonly string[];
  /**
   * Whether this request may be sent twice without harm (see docs/http/client.md, "Idempotency and
   * retries"). `true`: retried like a GET whatever its method. `false`: retried only when it
   * provably was not processed, even for PUT or DELETE. Default: the client's `idempotent`,
   * else by method (GET, HEAD, OPTIONS, PUT, DELETE, TRACE are; POST, PATCH are not unless
   * they carry the client's `idempotencyHeader`).
   */
  idempotent?: boolean;
}

/** What {@link ApiClient.call} takes: a whole request in one object (never mutated). @publicApi */
export interface CallRequest extends RequestOptions {
  /** Default `GET`. */
  method?: HttpMethod;
  /** Path relative to `baseUrl`. Default `/`. */
  url?: string;
}

/** A response with its status and headers (see {@link ApiClient.requestRaw}). @publicApi */
export interface ApiResponse<T = unknown> {
  status: number;
  /** Lower-cased names. */
  headers: NormalizedHeaders;
  /** Parsed body: JSON for a JSON content type, text otherwise, `undefined` when empty or 204. */
  data: T;
}

/**
 * The request a policy sees: breaker and limiter `partitionKey` / `tokens` functions receive
 * it as their only argument. Headers are not part of it.
 * @publicApi
 */
export interface ApiRequest {
  /** Client name. */
  readonly client: string;
  /** Upper-cased method. */
  readonly method: string;
  /** The path as given. */
  readonly path: string;
  /** Full URL (with query). */
  readonly url: string;
}

/** Where debug lines go (Nest's `Logger` fits). Lines never contain header values. @publicApi */
export interface ApiClientLogger {
  debug(message: string): void;
}

/** Options of an {@link ApiClient}. @publicApi */
export interface ApiClientOptions {
  /** Used in errors, logs and as the configuration path `clients.<name>`. Default `'default'`. */
  name?: string;
  /** `http(s)://host[:port][/prefix]`. Every request goes to this origin. */
  baseUrl: string;
  /** Per-attempt timeout in ms (axios semantics: connect and socket inactivity). Default 60000 (`API_CLIENT_DEFAULTS.timeoutMs`). */
  timeoutMs?: number;
  /** Headers sent with every request (values never logged). */
  headers?: Readonly<Record<string, string>>;
  /** Circuit breaker: a policy name from `ResilienceModule` or a `CircuitBreakerPolicy`. */
  breaker?: PolicyOption<CircuitBreakerPolicy>;
  /** Retry policy: a name from `ResilienceModule` or a `RetryPolicy`. */
  retry?: PolicyOption<RetryPolicy>;
  /** Rate limiter: a name from `ResilienceModule` or a `RateLimiterPolicy`. */
  limiter?: PolicyOption<RateLimiterPolicy>;
  /**
   * A limiter that follows the upstream's rate-limit headers: every attempt takes one of its
   * tokens right before it is sent, and every response (2xx or error) is fed to its
   * `updateFromHeaders(headers, status)`, so the rate tracks `x-ratelimit-*` / `anthropic-ratelimit-*`
   * / `RateLimit` headers and a 429 pauses it until the hinted time.
   */
  adaptiveLimiter?: AdaptiveRateLimiter;
  /** Accept absolute and protocol-relative request paths (which may change the host). Default false. */
  allowAbsoluteUrls?: boolean;
  /**
   * The axios instance to send through, e.g. `HttpService.axiosRef` of `@nestjs/axios`, so its
   * interceptors apply. Default: an instance of the client's own. Either way each request
   * carries the client's keep-alive agents, timeout and response handling (raw body, every
   * status resolved, no redirects, no proxy from the environment), which win over the
   * instance's defaults; `close()` destroys the client's sockets, never the instance.
   */
  axios?: AxiosLike;
  /** Most sockets per host. Default Infinity. */
  maxSockets?: number;
  /** Reuse connections. Default true. */
  keepAlive?: boolean;
  /** Debug log of each request: method, redacted URL, status, duration. */
  logger?: ApiClientLogger;
  /** Extra strings scrubbed from errors and logs (the values of credential headers always are). */
  secrets?: readonly string[];
  /** Names of headers (besides `Authorization`, `*api-key*`, cookies...) whose values are secret. */
  secretHeaders?: readonly string[];
  /**
   * Treat every request of this client as idempotent (retried on timeouts, 5xx, 409 and resets
   * whatever the method). Default false: a POST or PATCH is retried only when it provably was
   * not processed (README, "Idempotency and retries").
   */
  idempotent?: boolean;
  /**
   * A request carrying this header (any value) is idempotent: the server deduplicates it.
   * Default `Idempotency-Key`. Compared case-insensitively.
   */
  idempotencyHeader?: string;
}

/** What an {@link ApiClient} runs on. @publicApi */
export interface ApiClientDeps {
  /** Resolves policy names (the application's `POLICY_RESOLVER` when created by `ResilienceHttpModule`). */
  policies?: PolicyResolver;
  /** Clock of the pipeline (retry deadlines). Default: the resolver's, else the system clock. */
  clock?: Clock;
}

/**
 * Defaults of {@link ApiClientOptions} (what `normalizeApiClientOptions` applies).
 * @publicApi
 */
export const API_CLIENT_DEFAULTS = Object.freeze({
  name: 'default',
  timeoutMs: 60_000,
  allowAbsoluteUrls: false,
  maxSockets: Infinity,
  keepAlive: true,
  idempotent: false,
  idempotencyHeader: 'Idempotency-Key',
} as const);

/** {@link ApiClientOptions} validated, defaults applied, policies resolved. @internal */
export interface NormalizedApiClientOptions {
  readonly name: string;
  /** Without trailing slash. */
  readonly baseUrl: string;
  readonly origin: string;
  readonly timeoutMs: number;
  /** The client's own headers (validated, never modified afterwards). */
  readonly headers: Record<string, string>;
  /** Values scrubbed from errors and logs: secret header values, then `secrets`. */
  readonly secrets: string[];
  /** Lower-cased `secretHeaders`. */
  readonly secretHeaders: ReadonlySet<string>;
  readonly breaker: CircuitBreakerPolicy | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly limiter: RateLimiterPolicy | undefined;
  readonly adaptiveLimiter: AdaptiveRateLimiter | undefined;
  readonly allowAbsoluteUrls: boolean;
  readonly axios: AxiosLike | undefined;
  readonly maxSockets: number;
  readonly keepAlive: boolean;
  readonly logger: ApiClientLogger | undefined;
  readonly idempotent: boolean;
  /** Lower-cased. */
  readonly idempotencyHeader: string;
}
