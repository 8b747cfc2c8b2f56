import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import axios, { type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { CircuitBreakerPolicy } from '../core/circuit-breaker/circuit-breaker.policy.js';
import { systemClock, type Clock } from '../core/clock.js';
import { CircuitBreakerOpenError, RateLimitExceededError, ResilienceConfigError } from '../core/errors.js';
import { createPipeline, type Pipeline } from '../core/pipeline.js';
import { RateLimiterPolicy } from '../core/rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../core/retry/retry.policy.js';
import { checkKnownKeys, checkNumber } from '../core/validate.js';
import { AdaptiveRateLimiter } from './adaptive-rate-limiter.js';
import { APIClientError } from './errors/api-client.error.js';
import { errorFromResponse, errorFromTransport } from './errors/error-from-response.js';
import { HostOverrideError, InvalidRequestError } from './errors/request-rejected.error.js';
import { APIConnectionError, APITimeoutError, ClientClosedError } from './errors/transport.error.js';
import { assertSafeHeader, assertSafeHeaders, HeaderInjectionError } from './header-factory.js';
import { isSensitiveHeader, normalizeHeaders, redactUrl, type NormalizedHeaders } from './headers.js';

/** Request settings of every attempt, shared (never copied per call). */
const ALL_STATUSES = (): boolean => true;
const AS_IS = [(d: unknown): unknown => d];

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
export type QueryParams = Readonly<Record<string, string | number | boolean | null | undefined | readonly (string | number | boolean)[]>> | URLSearchParams;

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
  timeout?: number;
  /** Cancels the request and any retry wait; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Extra strings (e.g. a key sent in a custom header) scrubbed from this request's errors
   * and log lines, besides the client's own secrets.
   */
  secrets?: readonly string[];
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

/** A policy given by name (resolved through `ResilienceModule`) or as an instance. @publicApi */
export type PolicyOption<P> = string | P;

/** Options of an {@link ApiClient}. @publicApi */
export interface ApiClientOptions {
  /** Used in errors, logs and as the configuration path `clients.<name>`. Default `default`. */
  name?: string;
  /** `http(s)://host[:port][/prefix]`. Every request goes to this origin. */
  baseUrl: string;
  /** Per-attempt timeout in ms (axios semantics: connect and socket inactivity). Default 60000. */
  timeout?: number;
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
}

/** Resolves policy names: `ResilienceRegistry` satisfies it. @publicApi */
export interface PolicyResolver {
  breaker(name: string): CircuitBreakerPolicy;
  retry(name: string): RetryPolicy;
  limiter(name: string): RateLimiterPolicy;
  readonly clock?: Clock;
}

/** What an {@link ApiClient} runs on. @publicApi */
export interface ApiClientDeps {
  /** Resolves policy names (the `ResilienceRegistry` when created by `ResilienceHttpModule`). */
  policies?: PolicyResolver;
  /** Clock of the pipeline (retry deadlines). Default: the resolver's, else the system clock. */
  clock?: Clock;
}

const OPTION_KEYS = [
  'name',
  'baseUrl',
  'timeout',
  'headers',
  'breaker',
  'retry',
  'limiter',
  'adaptiveLimiter',
  'allowAbsoluteUrls',
  'axios',
  'maxSockets',
  'keepAlive',
  'logger',
  'secrets',
  'secretHeaders',
] as const;
const CALL_KEYS = new Set(['method', 'url', 'params', 'json', 'data', 'headers', 'timeout', 'signal', 'secrets']);
/** `scheme://`, `//host`, `\\host` (and mixes), after any leading spaces or control characters. */
const ABSOLUTE = /^[\s\x00-\x1f]*(?:[a-z][a-z0-9+.-]*:)?[\\/]{2}/i;
const METHOD = /^[A-Za-z]+$/;
/** Header names whose values are treated as secret besides `isSensitiveHeader` (`*-key`, `*-token`). */
const SECRETISH = /(key|token)$/i;
const JSON_TYPE = /[/+]json\b/i;
const NO_BODY = new Set([204, 205, 304]);

/**
 * An HTTP client for one upstream API, on axios with its own keep-alive agents.
 *
 * - `request()` returns the parsed body; `requestRaw()` also the status and headers;
 *   `call()` takes a whole request object (as the reference `AsyncAPIClient.call`, without
 *   mutating it).
 * - A non-2xx response throws the typed error of its status (`errorFromResponse`); transport
 *   failures throw `APIConnectionError` / `APITimeoutError` (`errorFromTransport`); an aborted
 *   request rejects with the signal's reason.
 * - Policies apply to every request in the core pipeline order retry ▸ breaker ▸ limiter:
 *   **each attempt** (first or retry) is admitted by the breaker and takes a limiter token, and
 *   the breaker records **one outcome per attempt** (judged by its own `isFailure`; see
 *   {@link isUpstreamFailure} for a predicate that ignores 4xx caller errors).
 * - With `adaptiveLimiter`, each attempt then takes a token of that `AdaptiveRateLimiter`, and
 *   each response's headers (any status) update it.
 * - A path can never change the host: absolute and `//host` paths throw `HostOverrideError`
 *   before any I/O unless `allowAbsoluteUrls`. Redirects are not followed.
 * - `close()` destroys the sockets; later requests throw `ClientClosedError`.
 * - Header values never appear in logs, errors, `toJSON()` or `util.inspect()`.
 * @example
 * ```ts
 * const client = new ApiClient({ name: 'payments', baseUrl: 'https://pay.example.com/v1', timeout: 5000 });
 * const invoice = await client.request<{ id: string }>('GET', '/invoices/42');
 * await client.close();
 * ```
 * @publicApi
 */
export class ApiClient {
  /** Client name. */
  readonly name: string;
  /** Base URL (without trailing slash). */
  readonly baseUrl: string;
  /** Default per-attempt timeout, ms. */
  readonly timeout: number;
  /** Whether absolute request URLs are accepted. */
  readonly allowAbsoluteUrls: boolean;
  readonly #origin: string;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #secretHeaders: Set<string>;
  readonly #axios: AxiosLike;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #pipeline: Pipeline;
  readonly #logger: ApiClientLogger | undefined;
  readonly #adaptive: AdaptiveRateLimiter | undefined;
  readonly #clock: Clock;
  #closed = false;

  constructor(options: ApiClientOptions, deps: ApiClientDeps = {}) {
    if (options === null || typeof options !== 'object') throw new ResilienceConfigError('clients', options, 'an ApiClient options object');
    const name = options.name ?? 'default';
    if (typeof name !== 'string' || name.length === 0) throw new ResilienceConfigError('clients.name', name, 'a non-empty string');
    const path = `clients.${name}`;
    checkKnownKeys(path, options, OPTION_KEYS);
    this.name = name;
    const base = parseBaseUrl(`${path}.baseUrl`, options.baseUrl);
    this.baseUrl = base.href;
    this.#origin = base.origin;
    this.timeout = options.timeout === undefined ? 60_000 : checkNumber(`${path}.timeout`, options.timeout, { min: 0, minExclusive: true });
    this.allowAbsoluteUrls = checkBoolean(`${path}.allowAbsoluteUrls`, options.allowAbsoluteUrls, false);
    const keepAlive = checkBoolean(`${path}.keepAlive`, options.keepAlive, true);
    const maxSockets =
      options.maxSockets === undefined ? Infinity : checkNumber(`${path}.maxSockets`, options.maxSockets, { min: 1, integer: true, allowInfinity: true });
    if (options.logger !== undefined && (options.logger === null || typeof options.logger.debug !== 'function')) {
      throw new ResilienceConfigError(`${path}.logger`, options.logger, 'an object with a debug(message) method');
    }
    this.#logger = options.logger;
    if (options.adaptiveLimiter !== undefined && !(options.adaptiveLimiter instanceof AdaptiveRateLimiter)) {
      throw new ResilienceConfigError(`${path}.adaptiveLimiter`, typeof options.adaptiveLimiter, 'an AdaptiveRateLimiter');
    }
    this.#adaptive = options.adaptiveLimiter;

    this.#secretHeaders = new Set((options.secretHeaders ?? []).map((h) => String(h).toLowerCase()));
    this.#headers = {};
    this.#secrets = [];
    if (options.headers !== undefined) {
      if (options.headers === null || typeof options.headers !== 'object') throw new ResilienceConfigError(`${path}.headers`, options.headers, 'an object of header names to strings');
      for (const key of Object.keys(options.headers)) {
        const value = options.headers[key];
        if (typeof value !== 'string') throw new ResilienceConfigError(`${path}.headers.${key}`, typeof value, 'a string value');
        assertSafeHeader(key, value);
        this.#headers[key] = value;
        if (this.isSecretHeader(key)) addSecret(this.#secrets, value);
      }
    }
    if (options.secrets !== undefined) {
      if (!Array.isArray(options.secrets)) throw new ResilienceConfigError(`${path}.secrets`, typeof options.secrets, 'an array of strings');
      for (const s of options.secrets) addSecret(this.#secrets, s);
    }

    const breaker = resolvePolicy(`${path}.breaker`, options.breaker, CircuitBreakerPolicy, 'breaker', deps.policies);
    const retry = resolvePolicy(`${path}.retry`, options.retry, RetryPolicy, 'retry', deps.policies);
    const limiter = resolvePolicy(`${path}.limiter`, options.limiter, RateLimiterPolicy, 'limiter', deps.policies);
    this.#clock = deps.clock ?? deps.policies?.clock ?? retry?.clock ?? systemClock;
    this.#pipeline = createPipeline({ breaker, retry, limiter, clock: this.#clock });

    this.#httpAgent = new http.Agent({ keepAlive, maxSockets });
    this.#httpsAgent = new https.Agent({ keepAlive, maxSockets });
    if (options.axios !== undefined && (options.axios === null || typeof (options.axios as { request?: unknown }).request !== 'function')) {
      throw new ResilienceConfigError(`${path}.axios`, typeof options.axios, 'an axios instance (e.g. HttpService.axiosRef)');
    }
    this.#axios = options.axios ?? axios.create();
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and returns the parsed body (JSON, text, or `undefined` when empty). */
  async request<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T> {
    const res = await this.send(method, path, options ?? EMPTY);
    return res.data as T;
  }

  /** Like {@link request}, returning `{ status, headers, data }`. */
  requestRaw<T = unknown>(method: HttpMethod, path: string, options?: RequestOptions): Promise<ApiResponse<T>> {
    return this.send(method, path, options ?? EMPTY) as Promise<ApiResponse<T>>;
  }

  /** `GET path`. */
  get<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  /** `POST path` with a JSON body. */
  post<T = unknown>(path: string, json?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, json === undefined ? options : { ...options, json });
  }

  /**
   * Sends `{ method = 'GET', url = '/', params, json, data, headers, timeout, signal }` and
   * returns the parsed body. The object is read, never modified; unknown keys are refused.
   */
  call<T = unknown>(req: CallRequest): Promise<T> {
    for (const key in req) {
      if (!CALL_KEYS.has(key)) {
        return Promise.reject(new InvalidRequestError('unknown-option', `ApiClient.call(): unknown request option '${key}' (known: ${[...CALL_KEYS].join(', ')})`, { method: String(req.method ?? 'GET'), url: String(req.url ?? '/') }));
      }
    }
    return this.request<T>(req.method ?? 'GET', req.url ?? '/', req);
  }

  /** Releases the sockets. Idempotent; later requests fail with `ClientClosedError`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  /** Log-safe description: no header values. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      baseUrl: redactUrl(this.baseUrl, this.#secrets),
      timeout: this.timeout,
      allowAbsoluteUrls: this.allowAbsoluteUrls,
      headers: Object.keys(this.#headers),
      closed: this.#closed,
    };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ApiClient ${inspect(this.toJSON(), options)}`;
  }

  private isSecretHeader(name: string): boolean {
    return isSensitiveHeader(name) || SECRETISH.test(name) || this.#secretHeaders.has(name.toLowerCase());
  }

  private async send(method: HttpMethod, path: string, options: RequestOptions): Promise<ApiResponse> {
    const m = typeof method === 'string' ? method.toUpperCase() : '';
    const url = this.resolveUrl(m, path, options.params);
    if (this.#closed) throw new ClientClosedError({ method: m, url, client: this.name, secrets: this.#secrets });
    if (!METHOD.test(m)) throw new InvalidRequestError('invalid-method', `Invalid HTTP method ${JSON.stringify(String(method)).slice(0, 40)}`, { method: 'GET', url, secrets: this.#secrets });
    if (options.json !== undefined && options.data !== undefined) {
      throw new InvalidRequestError('body-conflict', `${m} ${redactUrl(url, this.#secrets)}: pass either json or data, not both`, { method: m, url, secrets: this.#secrets });
    }
    let headers = this.#headers;
    let secrets = this.#secrets;
    if (options.secrets !== undefined) {
      if (!Array.isArray(options.secrets)) throw new InvalidRequestError('invalid-option', `${m} ${redactUrl(url, this.#secrets)}: secrets must be an array of strings`, { method: m, url, secrets: this.#secrets });
      secrets = [...secrets];
      for (const s of options.secrets) addSecret(secrets, s);
    }
    if (options.headers !== undefined || options.json !== undefined) {
      headers = { ...this.#headers };
      if (options.headers !== undefined) {
        assertSafeHeaders(options.headers);
        for (const k of Object.keys(options.headers)) {
          const v = options.headers[k];
          if (v === undefined || v === null) continue;
          for (const existing of Object.keys(headers)) if (existing !== k && existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
          headers[k] = v;
          if (this.isSecretHeader(k)) {
            if (secrets === this.#secrets) secrets = [...secrets];
            addSecret(secrets, v);
          }
        }
      }
      if (options.json !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    }
    const timeout = options.timeout === undefined ? this.timeout : options.timeout;
    if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw new InvalidRequestError('invalid-option', `${m} ${redactUrl(url, this.#secrets)}: timeout must be a finite number of ms > 0`, { method: m, url, secrets: this.#secrets });
    }
    const prepared: Prepared = {
      client: this.name,
      method: m,
      path,
      url,
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.data,
      timeout,
      signal: options.signal,
      secrets,
    };
    return this.#pipeline(this.attempt, this, [prepared], options.signal);
  }

  /** One attempt (the function the pipeline runs). */
  private async attempt(req: Prepared): Promise<ApiResponse> {
    if (this.#closed) throw new ClientClosedError({ method: req.method, url: req.url, client: this.name, secrets: req.secrets });
    const adaptive = this.#adaptive;
    if (adaptive !== undefined) {
      await adaptive.acquire(1, req.signal);
      if (this.#closed) throw new ClientClosedError({ method: req.method, url: req.url, client: this.name, secrets: req.secrets });
    }
    const logger = this.#logger;
    const started = logger !== undefined ? Date.now() : 0;
    let res: AxiosResponse<Buffer>;
    try {
      const config: AxiosRequestConfig = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        data: req.body,
        timeout: req.timeout,
        signal: req.signal,
        httpAgent: this.#httpAgent,
        httpsAgent: this.#httpsAgent,
        proxy: false,
        maxRedirects: 0,
        responseType: 'arraybuffer',
        decompress: true,
        validateStatus: ALL_STATUSES,
        transformRequest: AS_IS,
        transformResponse: AS_IS,
      };
      res = (await this.#axios.request(config)) as AxiosResponse<Buffer>;
    } catch (error) {
      if (req.signal?.aborted) {
        if (logger !== undefined) this.log(req, 'aborted', started);
        throw req.signal.reason;
      }
      const mapped = this.#closed
        ? new ClientClosedError({ method: req.method, url: req.url, client: this.name, secrets: req.secrets })
        : errorFromTransport(error, { method: req.method, url: req.url, timeoutMs: req.timeout, secrets: req.secrets, now: this.#clock.now() });
      if (logger !== undefined) this.log(req, `failed: ${mapped.name}${mapped.code !== undefined ? ` ${mapped.code}` : ''}`, started);
      throw mapped;
    }
    const status = res.status;
    const headers = normalizeHeaders(res.headers as Record<string, unknown>);
    const raw = res.data;
    if (adaptive !== undefined) adaptive.updateFromHeaders(headers, status);
    if (logger !== undefined) this.log(req, String(status), started);
    if (status < 200 || status >= 300) {
      // `now` from the client's clock: a Retry-After HTTP date is read against the same time the retry waits on.
      throw errorFromResponse({ status, headers, body: raw, method: req.method, url: req.url, secrets: req.secrets, now: this.#clock.now() });
    }
    return { status, headers, data: parseBody(status, headers, raw, req) };
  }

  private log(req: Prepared, outcome: string, started: number): void {
    try {
      this.#logger!.debug(`${this.name} ${req.method} ${redactUrl(req.url, req.secrets)} → ${outcome} in ${Date.now() - started} ms`);
    } catch {
      // A failing logger must not change the outcome of the request.
    }
  }

  private resolveUrl(method: string, path: string, params: QueryParams | undefined): string {
    if (typeof path !== 'string') {
      throw new InvalidRequestError('invalid-path', `Request path must be a string, got ${typeof path}`, { method: method || 'GET', url: '' });
    }
    let url: string;
    if (ABSOLUTE.test(path)) {
      if (!this.allowAbsoluteUrls) throw new HostOverrideError({ method: method || 'GET', url: path, client: this.name, secrets: this.#secrets });
      const trimmed = path.replace(/^[\s\x00-\x1f]+/, '').replace(/\\/g, '/');
      url = trimmed.startsWith('//') ? `${new URL(this.baseUrl).protocol}${trimmed}` : trimmed;
    } else {
      url = path === '' ? this.baseUrl : path.charCodeAt(0) === 47 /* / */ ? this.baseUrl + path : `${this.baseUrl}/${path}`;
      // Defence in depth: whatever the path holds, the origin must stay the base URL's.
      let origin: string;
      try {
        origin = new URL(url).origin;
      } catch {
        throw new InvalidRequestError('invalid-path', `Invalid request path for client '${this.name}'`, { method: method || 'GET', url: path, secrets: this.#secrets });
      }
      if (origin !== this.#origin) throw new HostOverrideError({ method: method || 'GET', url: path, client: this.name, secrets: this.#secrets });
    }
    if (params !== undefined && params !== null) {
      const qs = serializeParams(params);
      if (qs !== '') url += (url.includes('?') ? '&' : '?') + qs;
    }
    return url;
  }
}

interface Prepared extends ApiRequest {
  headers: Record<string, string>;
  body: unknown;
  timeout: number;
  signal: AbortSignal | undefined;
  secrets: readonly string[];
}

const EMPTY: RequestOptions = Object.freeze({});

/**
 * A breaker `isFailure` predicate for HTTP clients: counts connection errors, timeouts, 5xx,
 * 408 and anything that is not an `APIClientError`; ignores caller errors (4xx other than
 * 408, including 429, which means "slow down", not "down"), aborts, refused requests, and
 * local refusals that never reached the upstream (`RateLimitExceededError` from a limiter
 * inside the call, such as the client's `adaptiveLimiter`; `CircuitBreakerOpenError` of an
 * inner breaker).
 * @example
 * ```ts
 * ResilienceModule.forRoot({ breakers: { payments: { isFailure: isUpstreamFailure } } });
 * ```
 * @publicApi
 */
export function isUpstreamFailure(error: unknown): boolean {
  if (!(error instanceof APIClientError)) return !(error instanceof HeaderInjectionError || error instanceof RateLimitExceededError || error instanceof CircuitBreakerOpenError);
  if (error instanceof InvalidRequestError || error instanceof ClientClosedError) return false;
  if (error.status === undefined) return error instanceof APIConnectionError || error instanceof APITimeoutError;
  return error.status >= 500 || error.status === 408;
}

function parseBody(status: number, headers: NormalizedHeaders, raw: Buffer | undefined, req: Prepared): unknown {
  if (NO_BODY.has(status) || raw === undefined || raw === null || raw.length === 0 || req.method === 'HEAD') return undefined;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
  const type = headers['content-type'];
  if (type !== undefined && JSON_TYPE.test(type)) {
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new APIClientError(`${req.method} ${redactUrl(req.url, req.secrets)}: response declared ${type} but its body is not valid JSON`, {
        method: req.method,
        url: req.url,
        status,
        headers,
        body: text,
        secrets: req.secrets,
        cause: error,
      });
    }
  }
  return text;
}

function serializeParams(params: QueryParams): string {
  if (params instanceof URLSearchParams) return params.toString();
  const sp = new URLSearchParams();
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) sp.append(key, String(x));
    else sp.append(key, String(v));
  }
  return sp.toString();
}

function parseBaseUrl(path: string, value: unknown): { href: string; origin: string } {
  if (typeof value !== 'string' || value.length === 0) throw new ResilienceConfigError(path, value, "an absolute 'http(s)://' URL");
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ResilienceConfigError(path, redactUrl(value), "an absolute 'http(s)://' URL");
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new ResilienceConfigError(path, redactUrl(value), "an 'http(s)://host[:port][/prefix]' URL without query, fragment or credentials");
  }
  return { href: u.href.replace(/\/+$/, ''), origin: u.origin };
}

function checkBoolean(path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ResilienceConfigError(path, value, 'a boolean');
  return value;
}

function addSecret(list: string[], value: unknown): void {
  if (typeof value !== 'string' || value.length < 4) return;
  if (!list.includes(value)) list.push(value);
  const m = /^(?:Bearer|Basic|Token)\s+(.+)$/i.exec(value);
  if (m !== null && m[1]!.length >= 4 && !list.includes(m[1]!)) list.push(m[1]!);
}

function resolvePolicy<P>(
  path: string,
  value: PolicyOption<P> | undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  cls: abstract new (...args: any[]) => P,
  kind: 'breaker' | 'retry' | 'limiter',
  resolver: PolicyResolver | undefined,
): P | undefined {
  if (value === undefined) return undefined;
  if (value instanceof cls) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (resolver === undefined) {
      throw new ResilienceConfigError(path, value, `a ${cls.name} instance, or a policy name with ResilienceModule imported (no policy registry available)`);
    }
    try {
      return resolver[kind](value) as P;
    } catch (error) {
      if (error instanceof ResilienceConfigError) throw new ResilienceConfigError(path, value, error.expected);
      throw error;
    }
  }
  throw new ResilienceConfigError(path, value, `a policy name or a ${cls.name}`);
}
