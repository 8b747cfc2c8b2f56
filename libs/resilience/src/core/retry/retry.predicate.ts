import { hasTransientNetworkCode } from '../errors/network-codes.js';

const TRANSIENT_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504, 529]);

/**
 * The default `retryOn` predicate: retries only what is known to be transient, so an unknown
 * failure (a bug, a validation error) never turns into a retry loop that runs up a bill.
 *
 * 1. An error with a boolean `isTransient` (every error of this library, and the HTTP layer's)
 *    is retried exactly when it is `true`.
 * 2. An HTTP status (`status`, `statusCode` or `response.status`) is retried for 408, 409,
 *    425, 429, 500, 502, 503, 504 and 529, never for other statuses.
 * 3. A network error code of `NETWORK_ERROR_CODES` (on the error, its `cause`, or a member of
 *    its `errors`): `ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, `EAI_AGAIN`, `ENOTFOUND`,
 *    undici's socket/timeout codes, axios' `ERR_NETWORK` / `ECONNABORTED`, ... is retried.
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
    name?: unknown;
  };
  if (typeof e.isTransient === 'boolean') return e.isTransient;
  if (e.name === 'AbortError') return false;
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : e.response?.status;
  if (typeof status === 'number' && status >= 400) return TRANSIENT_STATUS.has(status);
  return hasTransientNetworkCode(error);
}
