import { errorCodeOf } from '../../core/errors/network-codes.js';
import { scrubSecrets } from '../headers/headers.js';

interface CauseLike {
  config?: unknown;
  request?: unknown;
  response?: unknown;
  message?: unknown;
  name?: unknown;
  code?: unknown;
}

/** How {@link sanitizeCause} treats a cause. @publicApi */
export interface SanitizeCauseOptions {
  /**
   * Replace every object cause by a copy, not only one that carries request state. Used for
   * transport errors, whose other fields (sockets, agents) are of no use on an error. Default `false`.
   */
  always?: boolean;
}

/**
 * Makes a `cause` safe to keep on an error. Returns `cause` unchanged when it is not an object,
 * or (unless `always`) when it carries no request state; otherwise returns a plain `Error` with
 * the same `name`, the same `code` (its own, else its `cause`'s, else the first of its `errors`)
 * and the message scrubbed of `secrets` and key-shaped strings. An axios error's `config`,
 * `request` and `response` hold the request headers, `Authorization` included: they never survive.
 * @publicApi
 */
export function sanitizeCause(cause: unknown, secrets?: readonly string[], options?: SanitizeCauseOptions): unknown {
  if (cause === null || typeof cause !== 'object') return cause;
  const c = cause as CauseLike;
  if (options?.always !== true && c.config === undefined && c.request === undefined && c.response === undefined)
    return cause;
  const copy = new Error(scrubSecrets(typeof c.message === 'string' ? c.message : String(c.code ?? 'error'), secrets));
  if (typeof c.name === 'string') copy.name = c.name;
  const code = errorCodeOf(cause);
  if (code !== undefined) (copy as Error & { code?: string }).code = code;
  return copy;
}
