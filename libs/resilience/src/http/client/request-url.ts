import type { QueryParams } from './api-client.options.js';
import { HostOverrideError, InvalidRequestError } from '../errors/invalid-request.error.js';

/** `scheme://`, `//host`, `\\host` (and mixes), after any leading spaces or control characters. */
const ABSOLUTE = /^[\s\x00-\x1f]*(?:[a-z][a-z0-9+.-]*:)?[\\/]{2}/i;

/** What {@link resolveRequestUrl} needs of the client (built once per client). @internal */
export interface UrlContext {
  readonly name: string;
  readonly baseUrl: string;
  readonly origin: string;
  readonly allowAbsoluteUrls: boolean;
  readonly secrets: readonly string[];
}

/**
 * The full URL of a request: `path` under the base URL plus the query string. Absolute and
 * protocol-relative paths throw `HostOverrideError` unless allowed; whatever the path holds,
 * the origin stays the base URL's.
 * @internal
 */
export function resolveRequestUrl(
  c: UrlContext,
  method: string,
  path: string,
  params: QueryParams | undefined,
): string {
  if (typeof path !== 'string') {
    throw new InvalidRequestError('invalid-path', `Request path must be a string, got ${typeof path}`, {
      method: method || 'GET',
      url: '',
    });
  }
  let url: string;
  if (ABSOLUTE.test(path)) {
    if (!c.allowAbsoluteUrls)
      throw new HostOverrideError({ method: method || 'GET', url: path, client: c.name, secrets: c.secrets });
    const trimmed = path.replace(/^[\s\x00-\x1f]+/, '').replace(/\\/g, '/');
    url = trimmed.startsWith('//') ? `${new URL(c.baseUrl).protocol}${trimmed}` : trimmed;
  } else {
    url = path === '' ? c.baseUrl : path.charCodeAt(0) === 47 /* / */ ? c.baseUrl + path : `${c.baseUrl}/${path}`;
    // Defence in depth: whatever the path holds, the origin must stay the base URL's.
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      throw new InvalidRequestError('invalid-path', `Invalid request path for client '${c.name}'`, {
        method: method || 'GET',
        url: path,
        secrets: c.secrets,
      });
    }
    if (origin !== c.origin)
      throw new HostOverrideError({ method: method || 'GET', url: path, client: c.name, secrets: c.secrets });
  }
  if (params !== undefined && params !== null) {
    const qs = serializeParams(params);
    if (qs !== '') url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

/** The query string of `params` (`undefined` / `null` skipped, arrays repeat the name). */
function serializeParams(params: QueryParams): string {
  if (params instanceof URLSearchParams) return params.toString();
  const sp = new URLSearchParams();
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) sp.append(key, String(x));
    else sp.append(key, String(v));
  }
  return sp.toString();
}
