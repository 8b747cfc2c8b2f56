import {
  CONNECTION_ERROR_CODES,
  errorCodeOf,
  NOT_SENT_ERROR_CODES,
  TIMEOUT_ERROR_CODES,
} from '../../core/errors/network-codes.js';
import { redactUrl, scrubSecrets, type HeaderInput } from '../headers/headers.js';
import { ApiClientError, isApiClientError, type ApiClientErrorInit } from './api-client.error.js';
import { errorFromResponse } from './error-from-response.js';
import { notRetried } from './not-retried.js';
import { sanitizeCause } from './sanitize-cause.js';
import {
  isRequestAbortedError,
  RequestAbortedError,
  UpstreamConnectionError,
  UpstreamTimeoutError,
} from './transport.error.js';

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
  /** False for a request that is not idempotent: see {@link ErrorResponseInput.idempotent}. Default true. */
  idempotent?: boolean;
  /**
   * For a non-idempotent request: whether it got onto a connected socket (`false`: provably
   * not sent, so retryable). Unknown when absent: only connect-phase codes (`ECONNREFUSED`,
   * DNS failures, unreachable networks) then prove it was not sent.
   */
  sent?: boolean;
}

interface TransportLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  response?: { status?: unknown; headers?: HeaderInput; data?: unknown } | null;
}

/**
 * True for a cancellation: a DOM `AbortError`, axios' `CanceledError` (`ERR_CANCELED`), Node's
 * `ABORT_ERR`, or a `RequestAbortedError`.
 * @publicApi
 */
export function isAbortError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as TransportLike;
  return (
    e.name === 'AbortError' ||
    e.name === 'CanceledError' ||
    e.code === 'ERR_CANCELED' ||
    e.code === 'ABORT_ERR' ||
    isRequestAbortedError(error)
  );
}

/**
 * Maps an error thrown by the transport (axios, Node `http`, undici) to a typed error.
 * - An axios error that carries a response with status >= 400 → {@link errorFromResponse}.
 * - A `connection` code of `NETWORK_ERROR_CODES` (`ECONNREFUSED`, `ECONNRESET` (also reset
 *   mid-body), `ENOTFOUND`, `EAI_AGAIN`, `EPIPE`, `ERR_NETWORK`, ...) → `UpstreamConnectionError` (transient).
 * - A `timeout` code (`ECONNABORTED`, `ETIMEDOUT`, undici timeouts), a `TimeoutError`, or axios'
 *   "timeout of N ms exceeded" → `UpstreamTimeoutError` (transient).
 * - Aborts (`AbortError`, axios `CanceledError`) → `RequestAbortedError` (not transient).
 * - With `idempotent: false`, a connection error or timeout is not transient
 *   (`notRetriedReason`) unless the request provably was not sent: `sent: false`, or a
 *   connect-phase code (`notSent` in `NETWORK_ERROR_CODES`: `ECONNREFUSED`, `ENOTFOUND`, `EAI_AGAIN`, unreachable network).
 *   **Callers that passed an `AbortSignal` should check `signal.aborted` first and rethrow
 *   `signal.reason`**, as `fetch` does; this mapping is for cancellations with no reason.
 * - An `ApiClientError` is returned unchanged; anything else → `UpstreamConnectionError` when it
 *   has a network code, else a plain non-transient `ApiClientError`.
 *
 * The original error is **not** kept as `cause` (an axios error holds the request config,
 * including the `Authorization` header); `cause` is a sanitized `Error` with the same
 * name, code and message.
 * @publicApi
 */
export function errorFromTransport(error: unknown, ctx: TransportErrorContext): ApiClientError {
  if (isApiClientError(error)) return error;
  const { secrets } = ctx;
  const method = String(ctx.method ?? 'GET').toUpperCase();
  const safeUrl = redactUrl(ctx.url, secrets);
  const e = (error !== null && typeof error === 'object' ? error : { message: String(error) }) as TransportLike;
  const res = e.response;
  if (res !== null && res !== undefined && typeof res.status === 'number' && res.status >= 400) {
    return errorFromResponse({
      status: res.status,
      headers: res.headers,
      body: res.data,
      method,
      url: ctx.url,
      secrets,
      cause: error,
      now: ctx.now,
      ...(ctx.idempotent === false ? { idempotent: false } : {}),
    });
  }
  const code = errorCodeOf(e);
  const rawMessage = typeof e.message === 'string' && e.message !== '' ? e.message : (code ?? 'unknown error');
  const msg = scrubSecrets(rawMessage, secrets);
  const init: ApiClientErrorInit = {
    method,
    url: ctx.url,
    secrets,
    cause: sanitizeCause(e, secrets, { always: true }),
  };
  if (code !== undefined) init.code = code;
  if (isAbortError(e)) return new RequestAbortedError(`${method} ${safeUrl} was aborted`, init);
  // A request that is not idempotent is retried only when it provably never reached the server.
  const unsafe =
    ctx.idempotent === false && ctx.sent !== false && !(code !== undefined && NOT_SENT_ERROR_CODES.has(code));
  const timedOut =
    (code !== undefined && TIMEOUT_ERROR_CODES.has(code)) ||
    e.name === 'TimeoutError' ||
    /timeout of \d+ms exceeded|timed? ?out/i.test(rawMessage);
  if (timedOut) {
    const after = ctx.timeoutMs !== undefined ? ` after ${ctx.timeoutMs} ms` : '';
    if (unsafe)
      init.notRetriedReason = notRetried(
        method,
        ctx.sent === true ? 'timed out after it was sent' : 'timed out, possibly after it was sent',
      );
    return new UpstreamTimeoutError(`${method} ${safeUrl} timed out${after} (${msg})`, {
      ...init,
      ...(ctx.timeoutMs !== undefined ? { timeoutMs: ctx.timeoutMs } : {}),
    });
  }
  if (unsafe)
    init.notRetriedReason = notRetried(
      method,
      ctx.sent === true
        ? 'the connection failed after it was sent'
        : 'the connection failed, possibly after it was sent',
    );
  if (code !== undefined && (CONNECTION_ERROR_CODES.has(code) || /socket hang up|aborted/i.test(rawMessage))) {
    return new UpstreamConnectionError(`${method} ${safeUrl} failed: connection error ${code} (${msg})`, init);
  }
  if (/socket hang up|stream has been aborted|ECONNRESET|ECONNREFUSED|network error/i.test(rawMessage)) {
    return new UpstreamConnectionError(`${method} ${safeUrl} failed: connection error (${msg})`, init);
  }
  delete init.notRetriedReason; // not transient anyway
  return new ApiClientError(`${method} ${safeUrl} failed: ${msg}`, init, false);
}
