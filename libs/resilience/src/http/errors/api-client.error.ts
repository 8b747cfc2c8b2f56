import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';
import { normalizeHeaders, redactUrl, safeHeaders, scrubSecrets, type HeaderInput } from '../headers/headers.js';
import { sanitizeCause } from './sanitize-cause.js';

/** Longest body (in characters) kept on an error. */
export const MAX_ERROR_BODY_CHARS = 2048;

/**
 * What an {@link ApiClientError} is built from. Everything is sanitized by the constructor:
 * the URL's secret query parameters are redacted, credential headers dropped, the body
 * truncated to 2 KB and scrubbed, and every string in `secrets` removed from all of them.
 * @publicApi
 */
export interface ApiClientErrorInit {
  /** HTTP method (upper-cased on the error). */
  method: string;
  /** Request URL; stored redacted. */
  url: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Provider error code (`insufficient_quota`, `overloaded_error`, `RESOURCE_EXHAUSTED`) or Node code (`ECONNREFUSED`). */
  code?: string;
  /** Provider error type (`invalid_request_error`, `rate_limit_error`, ...). */
  type?: string;
  /** Response headers. */
  headers?: HeaderInput;
  /** Response body (string, Buffer, parsed JSON). */
  body?: unknown;
  /** Whether a later attempt may succeed. Default: the class default (see `ApiClientError.transientByDefault`). */
  isTransient?: boolean;
  /**
   * Why a failure that is transient in itself is not retried (forces `isTransient: false`):
   * a request that is not idempotent may have been processed.
   */
  notRetriedReason?: string;
  /** When to try again, from `retry-after-ms` / `Retry-After` / Gemini `RetryInfo`. */
  retryAfterMs?: number;
  /** Request id when not in the headers (e.g. Anthropic's `request_id` in a body given as text). */
  requestId?: string;
  /** The provider's own message, if any (appended to the error message, scrubbed). */
  providerMessage?: string;
  /**
   * Underlying error. An error that carries a request (axios' `config` / `request`, which hold
   * the `Authorization` header) is replaced by a sanitized copy (see {@link sanitizeCause}).
   */
  cause?: unknown;
  /** Extra strings (e.g. the configured API key) to scrub from everything stored. */
  secrets?: readonly string[];
}

/** Renders a body for storage: a string of at most {@link MAX_ERROR_BODY_CHARS} characters. */
export function bodyToString(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  let s: string;
  if (typeof body === 'string') s = body;
  else if (body instanceof Uint8Array)
    s = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, MAX_ERROR_BODY_CHARS * 4)).toString('utf8');
  else if (body instanceof ArrayBuffer)
    s = Buffer.from(body, 0, Math.min(body.byteLength, MAX_ERROR_BODY_CHARS * 4)).toString('utf8');
  else if (typeof body === 'object') {
    try {
      s = JSON.stringify(body);
    } catch {
      s = Object.prototype.toString.call(body);
    }
  } else s = String(body);
  if (s === '') return undefined;
  return s.length > MAX_ERROR_BODY_CHARS ? `${s.slice(0, MAX_ERROR_BODY_CHARS)}…[truncated]` : s;
}

/**
 * Base of every error the HTTP layer raises for a request that failed: a status the caller
 * did not accept, a transport failure, a timeout, a closed client.
 *
 * Safe to log as a whole: `url` has secret query parameters (`key`, `api_key`, `token`,
 * `signature`, ...) redacted, `headers` are the lower-cased **response** headers without
 * credentials or cookies, `body` is at most 2 KB and scrubbed of key-shaped strings
 * (`sk-…`, `AIza…`, `Bearer …`). `toJSON()` returns exactly these fields.
 *
 * Each subclass states whether it is transient by default in `transientByDefault`; a plain
 * `ApiClientError` is not. Check with {@link isApiClientError} (works across package copies).
 * @publicApi
 */
export class ApiClientError extends ResilienceError {
  /** `isTransient` when neither `init.isTransient` nor the constructor's `defaultTransient` says otherwise. */
  protected static readonly transientByDefault: boolean = false;
  /** Brand read by {@link isApiClientError}. */
  readonly isApiClientError = true as const;
  override readonly isTransient: boolean;
  /** HTTP status, when a response arrived. */
  readonly status?: number;
  /** Provider or Node error code. */
  readonly code?: string;
  /** Provider error type. */
  readonly type?: string;
  /** Upper-cased HTTP method. */
  readonly method: string;
  /** Request URL with secrets redacted. */
  readonly url: string;
  /** `x-request-id` / `request-id` of the response (or the body's `request_id`). */
  readonly requestId?: string;
  /** Response headers, lower-cased, without credentials or cookies. */
  readonly headers: Readonly<Record<string, string>>;
  /** Response body, truncated to 2 KB and scrubbed. */
  readonly body?: string;
  /** When to try again (ms from when the response arrived), if the server said so. */
  readonly retryAfterMs?: number;
  /**
   * Set when the failure would be retried for an idempotent request but is not for this one
   * (`isTransient` is false): the request is not idempotent and may have been processed, so
   * sending it again could apply (and bill) it twice. See docs/http/client.md, "Idempotency and retries".
   */
  readonly notRetriedReason?: string;

  /**
   * @param defaultTransient `isTransient` unless `init` says otherwise. Default: the class's
   *   `transientByDefault` (false for `ApiClientError`).
   */
  constructor(
    message: string,
    init: ApiClientErrorInit,
    defaultTransient: boolean = (new.target as typeof ApiClientError).transientByDefault,
  ) {
    const secrets = init.secrets;
    const full = init.notRetriedReason !== undefined ? `${message}; not retried: ${init.notRetriedReason}` : message;
    super(
      scrubSecrets(full, secrets),
      init.cause !== undefined ? { cause: sanitizeCause(init.cause, secrets) } : undefined,
    );
    this.isTransient = init.notRetriedReason !== undefined ? false : (init.isTransient ?? defaultTransient);
    if (init.notRetriedReason !== undefined) this.notRetriedReason = init.notRetriedReason;
    this.method = String(init.method ?? 'GET').toUpperCase();
    this.url = redactUrl(init.url ?? '', secrets);
    if (init.status !== undefined) this.status = init.status;
    if (init.code !== undefined) this.code = scrubSecrets(String(init.code), secrets);
    if (init.type !== undefined) this.type = scrubSecrets(String(init.type), secrets);
    const raw = normalizeHeaders(init.headers);
    this.headers = safeHeaders(raw, secrets);
    const rid = raw['x-request-id'] ?? raw['request-id'] ?? init.requestId ?? requestIdFromBody(init.body);
    if (rid !== undefined) this.requestId = scrubSecrets(rid, secrets);
    const body = bodyToString(init.body);
    if (body !== undefined) this.body = scrubSecrets(body, secrets);
    if (init.retryAfterMs !== undefined && Number.isFinite(init.retryAfterMs) && init.retryAfterMs >= 0)
      this.retryAfterMs = init.retryAfterMs;
  }

  /** A log-safe plain object (no cause, no request headers, no secrets). */
  override toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...super.toJSON(), method: this.method, url: this.url };
    if (this.status !== undefined) out.status = this.status;
    if (this.code !== undefined) out.code = this.code;
    if (this.type !== undefined) out.type = this.type;
    if (this.requestId !== undefined) out.requestId = this.requestId;
    if (this.retryAfterMs !== undefined) out.retryAfterMs = this.retryAfterMs;
    if (this.notRetriedReason !== undefined) out.notRetriedReason = this.notRetriedReason;
    out.headers = { ...this.headers };
    if (this.body !== undefined) out.body = this.body;
    return out;
  }
}

function requestIdFromBody(body: unknown): string | undefined {
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) {
    const id = (body as { request_id?: unknown }).request_id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** True for an {@link ApiClientError} (any HTTP-layer request error) from any copy of the package. @publicApi */
export function isApiClientError(error: unknown): error is ApiClientError {
  return hasErrorBrand(error, 'isApiClientError');
}
