import type { ApiClientError } from '../../../http/errors/api-client.error.js';
import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import {
  errorFromResponse,
  GOOGLE_API_KEY_INVALID,
  isGoogleApiKeyInvalid,
} from '../../../http/errors/error-from-response.js';
import {
  isUpstreamAuthenticationError,
  UpstreamAuthenticationError,
  UpstreamServerError,
} from '../../../http/errors/status.error.js';
import { parseJsonBody } from '../../../http/headers/retry-after.js';
import type { ProviderErrorContext, StreamParserContext } from '../provider.js';

/** The `code` of the error a Gemini 400 `API_KEY_INVALID` becomes. @internal */
export const GEMINI_API_KEY_INVALID = GOOGLE_API_KEY_INVALID;

/** What a stream error's `url` says when the parser was given no context (it does not know the URL). @internal */
export const GEMINI_STREAM_URL = 'gemini:streamGenerateContent';

/** True for `status: "INVALID_ARGUMENT"` with a message about the API key (a body without `details[]`). */
function isApiKeyMessage(parsed: unknown): boolean {
  const root = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  const err = (root as { error?: { status?: unknown; message?: unknown } } | null | undefined)?.error;
  return err?.status === 'INVALID_ARGUMENT' && typeof err.message === 'string' && /\bAPI key\b/i.test(err.message);
}

/**
 * True when a (parsed) Gemini error body says the API key is wrong: a `details[]` entry with
 * `reason: "API_KEY_INVALID"` (google.rpc.ErrorInfo: the http layer's `isGoogleApiKeyInvalid`),
 * or `status: "INVALID_ARGUMENT"` with a message about the API key ("API key not valid. Please
 * pass a valid API key.", "API key expired. Please renew the API key.").
 * @internal
 */
export function isGeminiApiKeyInvalid(parsed: unknown): boolean {
  return isGoogleApiKeyInvalid(parsed) || isApiKeyMessage(parsed);
}

/**
 * A Gemini non-2xx response as a typed error: {@link errorFromResponse}, which already maps a
 * 400 whose `details[]` carry google.rpc.ErrorInfo `reason: API_KEY_INVALID` to an
 * `UpstreamAuthenticationError` (permanent, `status` 400, `code` `API_KEY_INVALID`) — Gemini
 * answers a bad key with 400 INVALID_ARGUMENT where other providers send 401. Gemini's own rule
 * on top: a 400 `INVALID_ARGUMENT` without that detail whose message is about the API key gets
 * the same error. A 429 whose `QuotaFailure` names a per-day quota is permanent
 * (`quotaExhausted`), another 429 transient with `retryAfterMs` from `RetryInfo.retryDelay`;
 * both come from `errorFromResponse`. Secrets in `ctx.secrets` are scrubbed from everything the
 * error holds.
 * @internal
 */
export function geminiErrorFor(ctx: ProviderErrorContext): ApiClientError {
  const { status, headers, body, method, url, secrets, now, idempotent } = ctx;
  const base = errorFromResponse({ status, headers, body, method, url, secrets, now, idempotent });
  if (status !== 400 || isUpstreamAuthenticationError(base) || !isApiKeyMessage(parseJsonBody(body))) return base;
  return new UpstreamAuthenticationError(base.message, {
    method,
    url,
    status,
    code: GEMINI_API_KEY_INVALID,
    ...(base.type !== undefined ? { type: base.type } : {}),
    ...(base.requestId !== undefined ? { requestId: base.requestId } : {}),
    headers,
    body,
    secrets,
  });
}

/** HTTP status of a google.rpc status name, for an in-stream error without a numeric `code`. */
const RPC_STATUS: Readonly<Record<string, number>> = Object.freeze({
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
});

/**
 * The typed error of a `data: {"error": {...}}` event inside a 200 stream: mapped as a response
 * with `error.code` as its status (else the HTTP status of `error.status`: `RESOURCE_EXHAUSTED`
 * → 429, `UNAVAILABLE` → 503, ...; else 500), with
 * `idempotent: false` (the request was received: only 429 / 503 stay transient). With a
 * `context` (given by the transport) the error names `context.url` (redacted by the error:
 * a `?key=` is never shown), scrubs `context.secrets` and reads dates against `context.now`;
 * without one `url` is {@link GEMINI_STREAM_URL} and only key-shaped strings are scrubbed. Of
 * the stream's headers only the request id is kept.
 * @internal
 */
export function geminiStreamError(
  data: Record<string, unknown>,
  streamHeaders: NormalizedHeaders = {},
  context?: StreamParserContext,
): ApiClientError {
  const err = data.error as { code?: unknown; status?: unknown } | null | undefined;
  const code = err?.code;
  const rpc =
    typeof err?.status === 'string' && Object.hasOwn(RPC_STATUS, err.status) ? RPC_STATUS[err.status] : undefined;
  const status = typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : (rpc ?? 500);
  const headers: NormalizedHeaders = {};
  for (const name of ['x-request-id', 'request-id']) {
    const v = streamHeaders[name];
    if (v !== undefined) headers[name] = v;
  }
  return geminiErrorFor({
    status,
    headers,
    body: JSON.stringify(data),
    method: 'POST',
    url: context?.url ?? GEMINI_STREAM_URL,
    secrets: context?.secrets ?? [],
    now: context?.now ?? 0,
    idempotent: false,
  });
}

/**
 * A stream event whose data is not a JSON object: the stream cannot be trusted. An
 * `UpstreamServerError` (code `invalid_stream_data`), not transient (the request was received).
 * @internal
 */
export function geminiMalformedStreamError(context?: StreamParserContext): ApiClientError {
  return new UpstreamServerError('POST gemini stream sent an event whose data is not a JSON object', {
    method: 'POST',
    url: context?.url ?? GEMINI_STREAM_URL,
    secrets: context?.secrets ?? [],
    code: 'invalid_stream_data',
    isTransient: false,
  });
}
