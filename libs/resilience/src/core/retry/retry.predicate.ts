const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TRANSIENT_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

/**
 * The default `retryOn` predicate: retries only what is known to be transient, so an unknown
 * failure (a bug, a validation error) never turns into a retry loop that runs up a bill.
 *
 * 1. An error with a boolean `isTransient` (every error of this library, and the HTTP layer's)
 *    is retried exactly when it is `true`.
 * 2. An HTTP status (`status`, `statusCode` or `response.status`) is retried for 408, 409,
 *    425, 429, 500, 502, 503, 504 and 529, never for other statuses.
 * 3. A Node network error code (on the error or its `cause`): `ECONNRESET`, `ECONNREFUSED`,
 *    `ETIMEDOUT`, `EAI_AGAIN`, `ENOTFOUND`, undici's socket/timeout codes, ... is retried.
 * 4. Anything else (plain `Error`s, `TypeError`s, aborts) is not retried: pass `retryOn` to
 *    widen it.
 * @publicApi
 */
export function isRetryableByDefault(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as {
    isTransient?: unknown;
    status?: unknown;
    statusCode?: unknown;
    response?: { status?: unknown } | null;
    code?: unknown;
    name?: unknown;
    cause?: unknown;
  };
  if (typeof e.isTransient === 'boolean') return e.isTransient;
  if (e.name === 'AbortError') return false;
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : e.response?.status;
  if (typeof status === 'number' && status >= 400) return TRANSIENT_STATUS.has(status);
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  const cause = e.cause as { code?: unknown } | null | undefined;
  return typeof cause?.code === 'string' && TRANSIENT_CODES.has(cause.code);
}
