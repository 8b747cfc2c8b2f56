import { inspect } from 'node:util';
import axios from 'axios';
import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { createPipeline, type Pipeline } from '../../core/pipeline/pipeline.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { RetryPolicy } from '../../core/retry/retry.policy.js';
import { checkKnownKeys, checkNumber } from '../../core/options/validate.js';
import { AdaptiveRateLimiter } from '../limiters/adaptive-rate-limiter.js';
import type {
  ApiClientDeps,
  ApiClientOptions,
  ApiResponse,
  CallRequest,
  HttpMethod,
  RequestOptions,
} from './api-client.types.js';
import { AttemptRunner } from './attempt-runner.js';
import { prepareCall, unknownCallKey, type CallContext } from './call-prep.js';
import { isSensitiveHeader, redactUrl } from '../headers/headers.js';
import { checkBoolean, clientHeaders, parseBaseUrl, resolvePolicy } from './request-prep.js';

export type * from './api-client.types.js';
export { isUpstreamFailure } from './response-body.js';

const OPTION_KEYS = [
  'name',
  'baseUrl',
  'timeoutMs',
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
  'idempotent',
  'idempotencyHeader',
] as const;
/** Header names whose values are treated as secret besides `isSensitiveHeader` (`*-key`, `*-token`). */
const SECRETISH = /(key|token)$/i;

/**
 * An HTTP client for one upstream API, on axios with its own keep-alive agents.
 *
 * - `request()` returns the parsed body; `requestRaw()` also the status and headers;
 *   `call()` takes a whole request object (as the reference `AsyncAPIClient.call`, without
 *   mutating it).
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
  readonly #secretHeaders: Set<string>;
  readonly #runner: AttemptRunner;
  readonly #pipeline: Pipeline;
  /** What each call is prepared with (built once here, never per call). */
  readonly #call: CallContext;

  constructor(options: ApiClientOptions, deps: ApiClientDeps = {}) {
    if (options === null || typeof options !== 'object')
      throw new ResilienceConfigError('clients', options, 'an ApiClient options object');
    const name = options.name ?? 'default';
    if (typeof name !== 'string' || name.length === 0)
      throw new ResilienceConfigError('clients.name', name, 'a non-empty string');
    const path = `clients.${name}`;
    checkKnownKeys(path, options, OPTION_KEYS);
    this.name = name;
    const base = parseBaseUrl(`${path}.baseUrl`, options.baseUrl);
    this.baseUrl = base.href;
    this.timeoutMs =
      options.timeoutMs === undefined
        ? 60_000
        : checkNumber(`${path}.timeoutMs`, options.timeoutMs, { min: 0, minExclusive: true });
    this.allowAbsoluteUrls = checkBoolean(`${path}.allowAbsoluteUrls`, options.allowAbsoluteUrls, false);
    const keepAlive = checkBoolean(`${path}.keepAlive`, options.keepAlive, true);
    const maxSockets =
      options.maxSockets === undefined
        ? Infinity
        : checkNumber(`${path}.maxSockets`, options.maxSockets, { min: 1, integer: true, allowInfinity: true });
    if (options.logger !== undefined && (options.logger === null || typeof options.logger.debug !== 'function')) {
      throw new ResilienceConfigError(`${path}.logger`, options.logger, 'an object with a debug(message) method');
    }
    if (options.adaptiveLimiter !== undefined && !(options.adaptiveLimiter instanceof AdaptiveRateLimiter)) {
      throw new ResilienceConfigError(
        `${path}.adaptiveLimiter`,
        typeof options.adaptiveLimiter,
        'an AdaptiveRateLimiter',
      );
    }
    const idempotent = checkBoolean(`${path}.idempotent`, options.idempotent, false);
    const keyHeader = options.idempotencyHeader ?? 'Idempotency-Key';
    if (typeof keyHeader !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(keyHeader)) {
      throw new ResilienceConfigError(`${path}.idempotencyHeader`, keyHeader, 'an HTTP header name');
    }

    this.#secretHeaders = new Set((options.secretHeaders ?? []).map((h) => String(h).toLowerCase()));
    const own = clientHeaders(path, options.headers, options.secrets, (h) => this.isSecretHeader(h));
    this.#headers = own.headers;
    this.#secrets = own.secrets;

    const breaker = resolvePolicy(`${path}.breaker`, options.breaker, CircuitBreakerPolicy, 'breaker', deps.policies);
    const retry = resolvePolicy(`${path}.retry`, options.retry, RetryPolicy, 'retry', deps.policies);
    const limiter = resolvePolicy(`${path}.limiter`, options.limiter, RateLimiterPolicy, 'limiter', deps.policies);
    const clock: Clock = deps.clock ?? deps.policies?.clock ?? retry?.clock ?? systemClock;
    this.#pipeline = createPipeline({ breaker, retry, limiter, clock });
    if (
      options.axios !== undefined &&
      (options.axios === null || typeof (options.axios as { request?: unknown }).request !== 'function')
    ) {
      throw new ResilienceConfigError(
        `${path}.axios`,
        typeof options.axios,
        'an axios instance (e.g. HttpService.axiosRef)',
      );
    }
    const url = {
      name,
      baseUrl: this.baseUrl,
      origin: base.origin,
      allowAbsoluteUrls: this.allowAbsoluteUrls,
      secrets: this.#secrets,
    };
    const runner = new AttemptRunner({
      name,
      axios: options.axios ?? axios.create(),
      adaptive: options.adaptiveLimiter,
      logger: options.logger,
      clock,
      keepAlive,
      maxSockets,
    });
    this.#runner = runner;
    this.#call = {
      url,
      headers: this.#headers,
      secrets: this.#secrets,
      timeout: this.timeoutMs,
      idempotent,
      keyHeader: keyHeader.toLowerCase(),
      isClosed: () => runner.closed,
      isSecretHeader: (h) => this.isSecretHeader(h),
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
      timeout: this.timeoutMs,
      allowAbsoluteUrls: this.allowAbsoluteUrls,
      headers: Object.keys(this.#headers),
      closed: this.#runner.closed,
    };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `ApiClient ${inspect(this.toJSON(), options)}`;
  }

  private isSecretHeader(name: string): boolean {
    return isSensitiveHeader(name) || SECRETISH.test(name) || this.#secretHeaders.has(name.toLowerCase());
  }

  private async send(method: HttpMethod, path: string, options: RequestOptions): Promise<ApiResponse> {
    const prepared = prepareCall(this.#call, method, path, options);
    return this.#pipeline(this.#runner.run, this.#runner, [prepared], options.signal);
  }
}

const EMPTY: RequestOptions = Object.freeze({});
