const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The default `retryOn` predicate: retries what a later attempt can fix.
 *
 * 1. An error with a boolean `isTransient` (every error of this library, and the HTTP layer's)
 *    is retried exactly when it is `true`.
 * 2. An HTTP status (`status`, `statusCode` or `response.status`): retried for 408, 425, 429
 *    and 500/502/503/504, never for other 4xx or 5xx (501, 505, ...).
 * 3. A network error code (`ECONNRESET`, `ETIMEDOUT`, `EAI_AGAIN`, ...): retried.
 * 4. Aborts (`AbortError`) and programming errors (`TypeError`, `RangeError`,
 *    `ReferenceError`, `SyntaxError`) are never retried.
 * 5. Anything else is retried.
 * @publicApi
 */
export function isRetryableByDefault(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return true;
  const e = error as { isTransient?: unknown; status?: unknown; statusCode?: unknown; response?: { status?: unknown }; code?: unknown; name?: unknown };
  if (typeof e.isTransient === 'boolean') return e.isTransient;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : e.response?.status;
  if (typeof status === 'number' && status >= 400) return TRANSIENT_STATUS.has(status);
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  if (e.name === 'AbortError') return false;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError) return false;
  return true;
}
