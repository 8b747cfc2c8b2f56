import { inspect } from 'node:util';
import axios from 'axios';
import { systemClock, type Clock } from '../../core/clock.js';
import { createPipeline, type Pipeline } from '../../core/pipeline/pipeline.js';
import { redactUrl } from '../headers/headers.js';
import { normalizeApiClientOptions } from './api-client.normalize.js';
import type {
  ApiClientDeps,
  ApiClientOptions,
  ApiResponse,
  CallRequest,
  HttpMethod,
  RequestOptions,
} from './api-client.options.js';
import { AttemptRunner } from './attempt-runner.js';
import { prepareCall, unknownCallKey, type CallContext } from './call-prep.js';
import { isSecretHeaderName } from './secrets.js';

/**
 * An HTTP client for one upstream API, on axios with its own keep-alive agents.
 *
 * - `request()` returns the parsed body; `requestRaw()` also the status and headers;
 *   `call()` takes a whole request object (never mutated).
 * - A non-2xx response throws the typed error of its status (`errorFromResponse`); transport
 *   failures throw `UpstreamConnectionError` / `UpstreamTimeoutError` (`errorFromTransport`); an aborted
 *   request rejects with the signal's reason.
 * - Policies apply to every request in the core pipeline order retry ▸ breaker ▸ limiter:
 *   **each attempt** (first or retry) is admitted by the breaker and takes a limiter token, and
 *   the breaker records **one outcome per attempt** (judged by its own `failOn`; see
 *   {@link isUpstreamFailure} for a predicate that ignores 4xx caller errors).
 * - With `adaptiveLimiter`, each attempt then takes a token of that `AdaptiveRateLimiter`, and
 *   each response's headers (any status) update it.
 * - No double-billed request by default: a request that is not idempotent (POST, PATCH, unless
 *   marked `idempotent` or carrying the `idempotencyHeader`) fails with `isTransient: false`
 *   (and `notRetriedReason`) when it may have been processed — a response timeout after it was
 *   sent, a reset, 500, 502, 504, 409, 408 — so no retry policy sends it again. It stays
 *   retryable when it provably was not processed: not sent (refused, DNS, connect timeout),
 *   429, 503, 529, `x-should-retry: true`.
 * - A path can never change the host: absolute and `//host` paths throw `HostOverrideError`
 *   before any I/O unless `allowAbsoluteUrls`. Redirects are not followed.
 * - Durations (log lines, retry deadlines, Retry-After dates) are read from one clock: `deps.clock`,
 *   else the policy resolver's, else the retry policy's, else `systemClock`.
 * - `close()` destroys the sockets; later requests throw `ClientClosedError`.
 * - Header values never appear in logs, errors, `toJSON()` or `util.inspect()`.
 * @example
 * ```ts
 * const client = new ApiClient({ name: 'payments', baseUrl: 'https://pay.example.com/v1', timeoutMs: 5000 });
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
  readonly timeoutMs: number;
  /** Whether absolute request URLs are accepted. */
  readonly allowAbsoluteUrls: boolean;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #runner: AttemptRunner;
  readonly #pipeline: Pipeline;
  /** What each call is prepared with (built once here, never per call). */
  readonly #call: CallContext;

  /**
   * Validates `options` (`ResilienceConfigError` naming `clients.<name>.<option>`) and builds the
   * client. Policy names (`breaker: 'payments'`) resolve through `deps.policies`.
   */
  constructor(options: ApiClientOptions, deps: ApiClientDeps = {}) {
    const o = normalizeApiClientOptions(options, deps.policies);
    this.name = o.name;
    this.baseUrl = o.baseUrl;
    this.timeoutMs = o.timeoutMs;
    this.allowAbsoluteUrls = o.allowAbsoluteUrls;
    this.#headers = o.headers;
    this.#secrets = o.secrets;
    const clock: Clock = deps.clock ?? deps.policies?.clock ?? o.retry?.clock ?? systemClock;
    this.#pipeline = createPipeline({ breaker: o.breaker, retry: o.retry, limiter: o.limiter, clock });
    const runner = new AttemptRunner({
      name: o.name,
      axios: o.axios ?? axios.create(),
      adaptive: o.adaptiveLimiter,
      logger: o.logger,
      clock,
      keepAlive: o.keepAlive,
      maxSockets: o.maxSockets,
    });
    this.#runner = runner;
    const secretHeaders = o.secretHeaders;
    this.#call = {
      url: {
        name: o.name,
        baseUrl: o.baseUrl,
        origin: o.origin,
        allowAbsoluteUrls: o.allowAbsoluteUrls,
        secrets: o.secrets,
      },
      headers: o.headers,
      secrets: o.secrets,
      timeout: o.timeoutMs,
      idempotent: o.idempotent,
      keyHeader: o.idempotencyHeader,
      isClosed: () => runner.closed,
      isSecretHeader: (h) => isSecretHeaderName(h, secretHeaders),
    };
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#runner.closed;
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
   * Sends `{ method = 'GET', url = '/', params, json, data, headers, timeoutMs, signal }` and
   * returns the parsed body. The object is read, never modified; unknown keys are refused.
   */
  call<T = unknown>(req: CallRequest): Promise<T> {
    const unknown = unknownCallKey(req);
    if (unknown !== undefined) return Promise.reject(unknown);
    return this.request<T>(req.method ?? 'GET', req.url ?? '/', req);
  }

  /** Releases the sockets. Idempotent; later requests fail with `ClientClosedError`. */
  async close(): Promise<void> {
    if (this.#runner.closed) return;
    this.#runner.close();
  }

  /** Log-safe description: no header values. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      baseUrl: redactUrl(this.baseUrl, this.#secrets),
      timeoutMs: this.timeoutMs,
      allowAbsoluteUrls: this.allowAbsoluteUrls,
      headers: Object.keys(this.#headers),
      closed: this.#runner.closed,
    };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ApiClient ${inspect(this.toJSON(), options)}`;
  }

  private async send(method: HttpMethod, path: string, options: RequestOptions): Promise<ApiResponse> {
    const prepared = prepareCall(this.#call, method, path, options);
    return this.#pipeline(this.#runner.run, this.#runner, [prepared], options.signal);
  }
}

const EMPTY: RequestOptions = Object.freeze({});
