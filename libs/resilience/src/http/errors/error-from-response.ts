import { normalizeHeaders, redactUrl, scrubSecrets, type HeaderInput } from '../headers/headers.js';
import { googleErrorDetails, parseJsonBody, parseRetryAfterMs } from '../headers/retry-after.js';
import type { ApiClientError, ApiClientErrorInit } from './api-client.error.js';
import { notRetried } from './not-retried.js';
import {
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamConflictError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamNotFoundError,
  UpstreamServerError,
  UpstreamStatusError,
} from './status.error.js';

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
  /**
   * False for a request that is not idempotent (POST, PATCH without an idempotency key): only
   * 429, 503, 529 and `x-should-retry: true` stay transient, since they say the request was
   * not processed. Default true.
   */
  idempotent?: boolean;
}

/** Statuses that say the request was not processed: safe to retry whatever the method. */
const NOT_PROCESSED = new Set([429, 503, 529]);

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

/** The google.rpc.ErrorInfo `reason` of a Google API's "the API key is wrong" 400. @internal */
export const GOOGLE_API_KEY_INVALID = 'API_KEY_INVALID';

/**
 * True when a (raw or parsed) Google RPC error body says the API key is wrong: an entry of
 * `error.details[]` with `reason: "API_KEY_INVALID"` whose `@type` is `google.rpc.ErrorInfo`
 * (or absent). Google APIs (Gemini, Maps, ...) answer a wrong or expired key with **400**
 * `INVALID_ARGUMENT` and this detail where other APIs send 401.
 * @internal
 */
export function isGoogleApiKeyInvalid(body: unknown): boolean {
  return googleErrorDetails(parseJsonBody(body)).some((d) => {
    const type = d['@type'];
    return d.reason === GOOGLE_API_KEY_INVALID && (type === undefined || String(type).endsWith('google.rpc.ErrorInfo'));
  });
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
 * | 400, 422 | UpstreamBadRequestError | no |
 * | 400 with a google.rpc.ErrorInfo `reason: API_KEY_INVALID` | UpstreamAuthenticationError (`code: 'API_KEY_INVALID'`) | no |
 * | 401 | UpstreamAuthenticationError | no |
 * | 403 | UpstreamPermissionError | no |
 * | 404 | UpstreamNotFoundError | no |
 * | 408 | UpstreamStatusError | yes |
 * | 409 | UpstreamConflictError | yes |
 * | 429 | UpstreamRateLimitError | yes, unless quota exhausted |
 * | 5xx (incl. 529) | UpstreamServerError | yes |
 * | other | UpstreamStatusError | no |
 *
 * `x-should-retry: true|false` overrides `isTransient`. With `idempotent: false` (a POST or
 * PATCH without an idempotency key), 408, 409, 500, 502, 504 and other 5xx are not transient
 * (`notRetriedReason` says why); 429, 503, 529 and `x-should-retry: true` stay transient.
 * `retryAfterMs` comes from {@link parseRetryAfterMs} (any status). Nothing secret reaches the
 * error (see ApiClientError).
 * @publicApi
 */
export function errorFromResponse(input: ErrorResponseInput): ApiClientError {
  const { status, method, url, body, secrets } = input;
  const headers = normalizeHeaders(input.headers);
  const parsed = parseJsonBody(body); // once: the helpers below accept the parsed object
  const info = extractProviderError(parsed);
  const retryAfterMs = parseRetryAfterMs(headers, parsed, input.now ?? Date.now());
  const override = shouldRetryHeader(headers);
  const m = String(method ?? 'GET').toUpperCase();
  const detail = info.message !== undefined ? `: ${truncate(info.message, 500)}` : '';
  const message = `${m} ${redactUrl(url, secrets)} failed with status ${status}${detail}`;
  const init: ApiClientErrorInit = { method: m, url, status, headers, body, secrets };
  if (info.code !== undefined) init.code = info.code;
  const bodyRequestId = (parsed as { request_id?: unknown } | undefined)?.request_id;
  if (typeof bodyRequestId === 'string') init.requestId = bodyRequestId;
  if (info.type !== undefined) init.type = info.type;
  if (info.message !== undefined) init.providerMessage = scrubSecrets(info.message, secrets);
  if (retryAfterMs !== undefined) init.retryAfterMs = retryAfterMs;
  if (override !== undefined) init.isTransient = override;
  if (input.cause !== undefined) init.cause = input.cause;
  if (
    input.idempotent === false &&
    override !== true &&
    !NOT_PROCESSED.has(status) &&
    override !== false &&
    (status === 408 || status === 409 || status >= 500)
  ) {
    init.notRetriedReason = notRetried(m, `status ${status}`);
  }
  if (status === 400 && isGoogleApiKeyInvalid(parsed))
    return new UpstreamAuthenticationError(message, { ...init, code: GOOGLE_API_KEY_INVALID });
  if (status === 400 || status === 422) return new UpstreamBadRequestError(message, init);
  if (status === 401) return new UpstreamAuthenticationError(message, init);
  if (status === 403) return new UpstreamPermissionError(message, init);
  if (status === 404) return new UpstreamNotFoundError(message, init);
  if (status === 409) return new UpstreamConflictError(message, init);
  if (status === 429)
    return new UpstreamRateLimitError(message, { ...init, quotaExhausted: isQuotaExhausted(parsed, info) });
  if (status >= 500 && status <= 599) return new UpstreamServerError(message, init);
  return new UpstreamStatusError(message, init);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
