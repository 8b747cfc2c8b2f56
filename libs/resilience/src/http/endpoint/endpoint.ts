import { inspect } from 'node:util';
import { ResilienceConfigError } from '../../core/errors/index.js';
import type { PolicyResolver } from '../../core/policy/policy-resolver.js';
import { ApiClient } from '../client/api-client.js';
import type { ApiClientLogger, ApiResponse, QueryParams } from '../client/api-client.options.js';
import { resolveEndpointConfig } from './endpoint-config.normalize.js';
import type { EndpointConfig, ResolvedEndpointConfig } from './endpoint-config.options.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { assertSafeHeaders, authHeaderName, setHeader } from '../headers/header-factory.js';

/** What {@link Endpoint.createPayload} returns. @publicApi */
export interface EndpointPayload<P = Record<string, unknown>> {
  /** `requestDefaults`, then the request's defined fields (later wins). A new object. */
  payload: P;
  /** Content type, auth header, `defaultHeaders`, then `extraHeaders`. A new object. */
  headers: Record<string, string>;
  /** `endpoint` with its `{param}`s filled in, URL-encoded. */
  path: string;
}

/** Per-call options of {@link Endpoint.call}. @publicApi */
export interface EndpointCallOptions {
  /** Values of the path's `{param}` placeholders (win over `pathParams` of the config). */
  pathParams?: Readonly<Record<string, string | number>>;
  /** Extra headers for this call. */
  headers?: Readonly<Record<string, string>>;
  /** Query parameters (besides the payload of a GET). */
  params?: QueryParams;
  /** Timeout of this call (each attempt), ms. Default: the endpoint's `timeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Whether this call may be retried after a failure that may have been processed (see `RequestOptions.idempotent`). */
  idempotent?: boolean;
}

/** What an {@link Endpoint} runs on. @publicApi */
export interface EndpointDeps {
  /** Send through this client (the endpoint's auth headers go with each request). Default: a client of its own. */
  client?: ApiClient;
  /** Resolves policy names of the endpoint's own client. */
  policies?: PolicyResolver;
  /** Where `apiKeyEnv` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: ApiClientLogger;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * One configured API operation. `createPayload()` builds the body and headers (without
 * mutating anything, the API key turned into the auth header); `call()` sends it through an
 * {@link ApiClient} with the endpoint's policies.
 *
 * The key is held privately: `config`, `toJSON()` and `util.inspect()` never show it.
 * @example
 * ```ts
 * const chat = new Endpoint({
 *   name: 'openaiChat', provider: 'openai', baseUrl: 'https://api.openai.com/v1',
 *   endpoint: 'chat/completions', apiKeyEnv: 'OPENAI_API_KEY', requestDefaults: { model: 'gpt-4o-mini' },
 * });
 * const completion = await chat.call({ messages: [{ role: 'user', content: 'Hi' }] });
 * ```
 * @publicApi
 */
export class Endpoint {
  /** Validated, log-safe configuration. */
  readonly config: ResolvedEndpointConfig;
  readonly #headers: Record<string, string>;
  /** The key, scrubbed from a shared client's errors and logs. */
  readonly #secrets: readonly string[];
  readonly #client: ApiClient | undefined;
  readonly #ownsClient: boolean;
  readonly #segments: readonly string[];

  constructor(config: EndpointConfig, deps: EndpointDeps = {}) {
    const resolved = resolveEndpointConfig(config, config?.name, deps.env);
    this.config = resolved.config;
    this.#headers = resolved.headers;
    this.#secrets = resolved.apiKey !== undefined ? [resolved.apiKey] : [];
    // endpoint split on its placeholders: even indexes are literal text, odd ones names.
    this.#segments = this.config.endpoint.split(/\{([A-Za-z_][A-Za-z0-9_]*)\}/);
    if (deps.client !== undefined) {
      this.#client = deps.client;
      this.#ownsClient = false;
    } else if (this.config.transport === 'http') {
      if (this.config.baseUrl === undefined)
        throw new ResilienceConfigError(
          `endpoints.${this.config.name}.baseUrl`,
          undefined,
          `an absolute 'http(s)://' URL, or the ApiClient named by client ('${this.config.client}') as deps.client`,
        );
      const authHeader = authHeaderName(this.config.authType);
      this.#client = new ApiClient(
        {
          name: this.config.name,
          baseUrl: this.config.baseUrl,
          timeoutMs: this.config.timeoutMs,
          headers: this.#headers,
          ...(config.breaker !== undefined ? { breaker: config.breaker } : {}),
          ...(config.retry !== undefined ? { retry: config.retry } : {}),
          ...(config.limiter !== undefined ? { limiter: config.limiter } : {}),
          ...(deps.logger !== undefined ? { logger: deps.logger } : {}),
          ...(resolved.apiKey !== undefined ? { secrets: [resolved.apiKey] } : {}),
          ...(authHeader !== undefined ? { secretHeaders: [authHeader] } : {}),
        },
        deps.policies !== undefined ? { policies: deps.policies } : {},
      );
      this.#ownsClient = true;
    } else {
      this.#ownsClient = false;
    }
  }

  /** Endpoint name. */
  get name(): string {
    return this.config.name;
  }

  /** The client calls go through (`undefined` for the `sdk` transport). */
  get client(): ApiClient | undefined {
    return this.#client;
  }

  /**
   * Builds `{ payload, headers, path }`: `requestDefaults` overlaid with the request's defined
   * fields, the full headers plus `extraHeaders` (CR/LF rejected), and the path with its
   * `{param}`s filled from `pathParams`, then the config's `pathParams`, URL-encoded.
   * Neither the request nor the config is modified.
   */
  createPayload<P extends object = Record<string, unknown>>(
    request: P | undefined,
    extraHeaders?: Readonly<Record<string, string>>,
    pathParams?: Readonly<Record<string, string | number>>,
  ): EndpointPayload<P & Record<string, unknown>> {
    const payload = this.buildPayload(request);
    const headers = { ...this.#headers };
    if (extraHeaders !== undefined) {
      assertSafeHeaders(extraHeaders);
      for (const k of Object.keys(extraHeaders)) setHeader(headers, k, extraHeaders[k]!);
    }
    return { payload: payload as P & Record<string, unknown>, headers, path: this.fillPath(pathParams) };
  }

  /**
   * Sends the request through the endpoint's client and returns the parsed body. POST, PUT
   * and PATCH send the payload as JSON; other methods send it as query parameters.
   */
  async call<T = unknown>(request?: object, options?: EndpointCallOptions): Promise<T> {
    return (await this.callRaw<T>(request, options)).data;
  }

  /** Like {@link call}, returning `{ status, headers, data }`. */
  callRaw<T = unknown>(request?: object, options: EndpointCallOptions = {}): Promise<ApiResponse<T>> {
    const client = this.#client;
    if (client === undefined) {
      return Promise.reject(
        new InvalidRequestError(
          'sdk-transport',
          `Endpoint '${this.name}' uses the sdk transport: build the request with createPayload() and call the SDK`,
          {
            method: this.config.method,
            url: this.config.endpoint,
          },
        ),
      );
    }
    let path: string;
    try {
      path = this.fillPath(options.pathParams);
    } catch (error) {
      return Promise.reject(error);
    }
    const payload = this.buildPayload(request);
    // Its own client already sends the endpoint's headers; a shared client needs them per request.
    let headers: Readonly<Record<string, string>> | undefined = this.#ownsClient ? options.headers : this.#headers;
    if (!this.#ownsClient && options.headers !== undefined) {
      const merged = { ...this.#headers };
      assertSafeHeaders(options.headers);
      for (const k of Object.keys(options.headers)) setHeader(merged, k, options.headers[k]!);
      headers = merged;
    }
    const method = this.config.method;
    const body = BODY_METHODS.has(method);
    let params: QueryParams | undefined = options.params;
    if (!body)
      params = { ...(payload as Record<string, string>), ...(options.params as Record<string, string> | undefined) };
    return client.requestRaw<T>(method, path, {
      ...(body ? { json: payload } : {}),
      ...(params !== undefined ? { params } : {}),
      ...(headers !== undefined ? { headers } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      // A shared client does not know this endpoint's key: scrub it from this request's errors.
      ...(!this.#ownsClient && this.#secrets.length > 0 ? { secrets: this.#secrets } : {}),
    });
  }

  /** Closes the endpoint's own client (a shared client is left to its owner). Idempotent. */
  async close(): Promise<void> {
    if (this.#ownsClient) await this.#client!.close();
  }

  /** Log-safe: the resolved config (no key). */
  toJSON(): ResolvedEndpointConfig {
    return this.config;
  }

  [inspect.custom](_depth: number, options: object): string {
    return `Endpoint ${inspect(this.config, options)}`;
  }

  /** `requestDefaults` overlaid with the request's defined fields (a new object). */
  private buildPayload(request: object | undefined): Record<string, unknown> {
    const payload: Record<string, unknown> = { ...this.config.requestDefaults };
    if (request !== undefined && request !== null) {
      const src =
        typeof (request as { toJSON?: unknown }).toJSON === 'function'
          ? ((request as { toJSON(): object }).toJSON() as object)
          : request;
      for (const key of Object.keys(src)) {
        const v = (src as Record<string, unknown>)[key];
        if (v !== undefined) payload[key] = v;
      }
    }
    return payload;
  }

  private fillPath(pathParams: Readonly<Record<string, string | number>> | undefined): string {
    const seg = this.#segments;
    if (seg.length === 1) return seg[0]!;
    let out = seg[0]!;
    for (let i = 1; i < seg.length; i += 2) {
      const name = seg[i]!;
      const v = pathParams?.[name] ?? this.config.pathParams[name];
      if (v === undefined || v === null || v === '') {
        throw new InvalidRequestError(
          'path-param',
          `Endpoint '${this.name}': no value for {${name}} in '${this.config.endpoint}'`,
          {
            method: this.config.method,
            url: this.config.endpoint,
          },
        );
      }
      out += encodeURIComponent(String(v)) + seg[i + 1]!;
    }
    return out;
  }
}
