import { normalizeHeaders, redactUrl, scrubSecrets, type HeaderInput } from '../headers.js';
import { googleErrorDetails, parseJsonBody, parseRetryAfterMs } from '../retry-after.js';
import { APIClientError, type APIClientErrorInit } from './api-client.error.js';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  PermissionDeniedError,
  RateLimitError,
  ResourceNotFoundError,
  ServerError,
  UnexpectedStatusError,
} from './status.error.js';
import { APIConnectionError, APITimeoutError, APIUserAbortError } from './transport.error.js';

/** A response the client did not accept. @publicApi */
export interface ErrorResponseInput {
  status: number;
  headers?: HeaderInput;
  /** Raw (string / Buffer) or parsed body. */
  body?: unknown;
  method: string;
  url: string;
  cause?: unknown;
  /** Strings to scrub from the error (e.g. the client's API key). */
  secrets?: readonly string[];
  /** Epoch ms for `Retry-After` HTTP dates. Default `Date.now()`. */
  now?: number;
}

/** What the provider's error body says, in any of the usual shapes. @publicApi */
export interface ProviderErrorInfo {
  message?: string;
  /** OpenAI `error.code`, or Gemini `error.status` when there is no code string. */
  code?: string;
  /** OpenAI `error.type`, Anthropic `error.type`. */
  type?: string;
  /** Gemini `error.status` (`RESOURCE_EXHAUSTED`, ...). */
  status?: string;
}

/**
 * Extracts the provider's message, code and type from an error body:
 * OpenAI `{error:{message,type,code}}`, Anthropic `{type:'error',error:{type,message}}`,
 * Gemini `{error:{code,message,status,details}}`, plus `{message}`, `{detail}` and
 * `{error:"text"}` (FastAPI, LiteLLM, generic).
 * @publicApi
 */
export function extractProviderError(body: unknown): ProviderErrorInfo {
  let parsed = parseJsonBody(body);
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (parsed === null || typeof parsed !== 'object') return {};
  const root = parsed as Record<string, unknown>;
  const info: ProviderErrorInfo = {};
  const err = root.error;
  if (err !== null && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    if (typeof e.message === 'string') info.message = e.message;
    if (typeof e.type === 'string') info.type = e.type;
    if (typeof e.status === 'string') info.status = e.status;
    if (typeof e.code === 'string') info.code = e.code;
    else if (info.status !== undefined) info.code = info.status;
  } else if (typeof err === 'string') {
    info.message = err;
  }
  if (info.message === undefined) {
    if (typeof root.message === 'string') info.message = root.message;
    else if (typeof root.detail === 'string') info.message = root.detail;
  }
  return info;
}

/**
 * True when a 429 means "quota used up", not "slow down": retrying before the quota resets
 * cannot succeed (and may bill), so the error is permanent.
 * - OpenAI: error `code` or `type` `insufficient_quota`.
 * - Gemini: a `google.rpc.QuotaFailure` violation whose `quotaId` (or `quotaMetric`) has `PerDay`.
 * - Anthropic (and others): error type/code containing `billing`, or `quota_exceeded` / `insufficient_quota`.
 * @publicApi
 */
export function isQuotaExhausted(body: unknown, info: ProviderErrorInfo = extractProviderError(body)): boolean {
  const tokens = [info.code, info.type].filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase());
  if (tokens.some((t) => t === 'insufficient_quota' || t.includes('billing') || t === 'quota_exceeded')) return true;
  for (const d of googleErrorDetails(parseJsonBody(body))) {
    const type = d['@type'];
    if (typeof type !== 'string' || !type.endsWith('google.rpc.QuotaFailure')) continue;
    const violations = Array.isArray(d.violations) ? d.violations : [];
    for (const v of violations as Record<string, unknown>[]) {
      const id = `${typeof v?.quotaId === 'string' ? v.quotaId : ''} ${typeof v?.quotaMetric === 'string' ? v.quotaMetric : ''}`;
      if (/PerDay/i.test(id)) return true;
    }
  }
  return false;
}

/** `x-should-retry: true|false` (Stainless SDK convention), or `undefined`. */
function shouldRetryHeader(h: Record<string, string>): boolean | undefined {
  const v = h['x-should-retry']?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/**
 * Maps a rejected response to its typed error.
 *
 * | status | class | transient |
 * |---|---|---|
 * | 400, 422 | BadRequestError | no |
 * | 401 | AuthenticationError | no |
 * | 403 | PermissionDeniedError | no |
 * | 404 | ResourceNotFoundError | no |
 * | 408 | UnexpectedStatusError | yes |
 * | 409 | ConflictError | yes |
 * | 429 | RateLimitError | yes, unless quota exhausted |
 * | 5xx (incl. 529) | ServerError | yes |
 * | other | UnexpectedStatusError | no |
 *
 * `x-should-retry: true|false` overrides `isTransient`. `retryAfterMs` comes from
 * {@link parseRetryAfterMs} (any status). Nothing secret reaches the error (see APIClientError).
 * @publicApi
 */
export function errorFromResponse(input: ErrorResponseInput): APIClientError {
  const { status, method, url, body, secrets } = input;
  const headers = normalizeHeaders(input.headers);
  const parsed = parseJsonBody(body); // once: the helpers below accept the parsed object
  const info = extractProviderError(parsed);
  const retryAfterMs = parseRetryAfterMs(headers, parsed, input.now ?? Date.now());
  const override = shouldRetryHeader(headers);
  const m = String(method ?? 'GET').toUpperCase();
  const detail = info.message !== undefined ? `: ${truncate(info.message, 500)}` : '';
  const message = `${m} ${redactUrl(url, secrets)} failed with status ${status}${detail}`;
  const init: APIClientErrorInit = { method: m, url, status, headers, body, secrets };
  if (info.code !== undefined) init.code = info.code;
  const bodyRequestId = (parsed as { request_id?: unknown } | undefined)?.request_id;
  if (typeof bodyRequestId === 'string') init.requestId = bodyRequestId;
  if (info.type !== undefined) init.type = info.type;
  if (info.message !== undefined) init.providerMessage = scrubSecrets(info.message, secrets);
  if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
  if (override !== undefined) init.isTransient = override;
  if (input.cause !== undefined) init.cause = input.cause;
  if (status === 400 || status === 422) return new BadRequestError(message, init);
  if (status === 401) return new AuthenticationError(message, init);
  if (status === 403) return new PermissionDeniedError(message, init);
  if (status === 404) return new ResourceNotFoundError(message, init);
  if (status === 409) return new ConflictError(message, init);
  if (status === 429) return new RateLimitError(message, { ...init, quotaExhausted: isQuotaExhausted(parsed, info) });
  if (status >= 500 && status <= 599) return new ServerError(message, init);
  return new UnexpectedStatusError(message, init);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** Where a transport error happened. @publicApi */
export interface TransportErrorContext {
  method: string;
  url: string;
  /** The request's timeout, for the timeout error's message and `timeoutMs`. */
  timeoutMs?: number;
  /** Strings to scrub from the error (e.g. the client's API key). */
  secrets?: readonly string[];
  /** Epoch ms for `Retry-After` HTTP dates when the error carries a response. */
  now?: number;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ERR_NETWORK',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

interface TransportLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  response?: { status?: unknown; headers?: HeaderInput; data?: unknown } | null;
}

function codeOf(e: TransportLike): string | undefined {
  if (typeof e.code === 'string') return e.code;
  const c = e.cause as TransportLike | undefined;
  if (c !== null && typeof c === 'object' && typeof c.code === 'string') return c.code;
  if (Array.isArray(e.errors)) {
    for (const x of e.errors as TransportLike[]) if (x !== null && typeof x === 'object' && typeof x.code === 'string') return x.code;
  }
  return undefined;
}

/**
 * True for a cancellation: a DOM `AbortError`, axios' `CanceledError` (`ERR_CANCELED`), or an
 * `APIUserAbortError`.
 * @publicApi
 */
export function isAbortError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as TransportLike;
  return e.name === 'AbortError' || e.name === 'CanceledError' || e.code === 'ERR_CANCELED' || e.code === 'ABORT_ERR' || error instanceof APIUserAbortError;
}

/**
 * Maps an error thrown by the transport (axios, Node `http`, undici) to a typed error.
 * - An axios error that carries a response with status >= 400 → {@link errorFromResponse}.
 * - `ECONNREFUSED`, `ECONNRESET` (also reset mid-body), `ENOTFOUND`, `EAI_AGAIN`, `EPIPE`,
 *   `ERR_NETWORK`, ... → `APIConnectionError` (transient).
 * - `ECONNABORTED`, `ETIMEDOUT`, axios "timeout of N ms exceeded", undici timeouts →
 *   `APITimeoutError` (transient).
 * - Aborts (`AbortError`, axios `CanceledError`) → `APIUserAbortError` (not transient).
 *   **Callers that passed an `AbortSignal` should check `signal.aborted` first and rethrow
 *   `signal.reason`**, as `fetch` does; this mapping is for cancellations with no reason.
 * - An `APIClientError` is returned unchanged; anything else → `APIConnectionError` when it
 *   has a network code, else a plain non-transient `APIClientError`.
 *
 * The original error is **not** kept as `cause` (an axios error holds the request config,
 * including the `Authorization` header); `cause` is a sanitized `Error` with the same
 * name, code and message.
 * @publicApi
 */
export function errorFromTransport(error: unknown, ctx: TransportErrorContext): APIClientError {
  if (error instanceof APIClientError) return error;
  const { secrets } = ctx;
  const method = String(ctx.method ?? 'GET').toUpperCase();
  const safeUrl = redactUrl(ctx.url, secrets);
  const e = (error !== null && typeof error === 'object' ? error : { message: String(error) }) as TransportLike;
  const res = e.response;
  if (res !== null && res !== undefined && typeof res.status === 'number' && res.status >= 400) {
    return errorFromResponse({ status: res.status, headers: res.headers, body: res.data, method, url: ctx.url, secrets, cause: error, now: ctx.now });
  }
  const code = codeOf(e);
  const rawMessage = typeof e.message === 'string' && e.message !== '' ? e.message : code ?? 'unknown error';
  const msg = scrubSecrets(rawMessage, secrets);
  const init: APIClientErrorInit = { method, url: ctx.url, secrets, cause: sanitizedCause(e, secrets) };
  if (code !== undefined) init.code = code;
  if (isAbortError(e)) return new APIUserAbortError(`${method} ${safeUrl} was aborted`, init);
  const timedOut =
    (code !== undefined && TIMEOUT_CODES.has(code)) || e.name === 'TimeoutError' || /timeout of \d+ms exceeded|timed? ?out/i.test(rawMessage);
  if (timedOut) {
    const after = ctx.timeoutMs !== undefined ? ` after ${ctx.timeoutMs} ms` : '';
    return new APITimeoutError(`${method} ${safeUrl} timed out${after} (${msg})`, { ...init, ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}) });
  }
  if (code !== undefined && (CONNECTION_CODES.has(code) || /socket hang up|aborted/i.test(rawMessage))) {
    return new APIConnectionError(`${method} ${safeUrl} failed: connection error ${code} (${msg})`, init);
  }
  if (/socket hang up|stream has been aborted|ECONNRESET|ECONNREFUSED|network error/i.test(rawMessage)) {
    return new APIConnectionError(`${method} ${safeUrl} failed: connection error (${msg})`, init);
  }
  return new APIClientError(`${method} ${safeUrl} failed: ${msg}`, init, false);
}

/** A copy of a transport error that keeps name, code and message but no request config. */
function sanitizedCause(e: TransportLike, secrets?: readonly string[]): Error {
  const c = new Error(scrubSecrets(typeof e.message === 'string' ? e.message : String(e.code ?? 'error'), secrets));
  if (typeof e.name === 'string') c.name = e.name;
  const code = codeOf(e);
  if (code !== undefined) (c as Error & { code?: string }).code = code;
  return c;
}
