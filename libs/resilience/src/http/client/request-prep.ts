import { ResilienceConfigError } from '../../core/errors/errors.js';
import type { PolicyOption, PolicyResolver, QueryParams } from './api-client.types.js';
import { HostOverrideError, InvalidRequestError } from '../errors/request-rejected.error.js';
import { assertSafeHeader } from '../headers/header-factory.js';
import { redactUrl } from '../headers/headers.js';

/** `scheme://`, `//host`, `\\host` (and mixes), after any leading spaces or control characters. */
const ABSOLUTE = /^[\s\x00-\x1f]*(?:[a-z][a-z0-9+.-]*:)?[\\/]{2}/i;

/** What {@link resolveRequestUrl} needs of the client. */
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

/**
 * Validates a client's `headers` (strings, no CR/LF: the error names the client) and
 * collects its secrets: the values of secret headers, then `secrets`.
 */
export function clientHeaders(
  path: string,
  headers: Readonly<Record<string, string>> | undefined,
  secrets: readonly string[] | undefined,
  isSecret: (name: string) => boolean,
): { headers: Record<string, string>; secrets: string[] } {
  const out: Record<string, string> = {};
  const list: string[] = [];
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object')
      throw new ResilienceConfigError(`${path}.headers`, headers, 'an object of header names to strings');
    const where = `client '${path.slice('clients.'.length)}' (${path}.headers)`;
    for (const key of Object.keys(headers)) {
      const value = headers[key];
      if (typeof value !== 'string')
        throw new ResilienceConfigError(`${path}.headers.${key}`, typeof value, 'a string value');
      assertSafeHeader(key, value, where);
      out[key] = value;
      if (isSecret(key)) addSecret(list, value);
    }
  }
  if (secrets !== undefined) {
    if (!Array.isArray(secrets))
      throw new ResilienceConfigError(`${path}.secrets`, typeof secrets, 'an array of strings');
    for (const s of secrets) addSecret(list, s);
  }
  return { headers: out, secrets: list };
}

/** Validates `baseUrl`: `http(s)://host[:port][/prefix]`, no query, fragment or credentials. */
export function parseBaseUrl(path: string, value: unknown): { href: string; origin: string } {
  if (typeof value !== 'string' || value.length === 0)
    throw new ResilienceConfigError(path, value, "an absolute 'http(s)://' URL");
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ResilienceConfigError(path, redactUrl(value), "an absolute 'http(s)://' URL");
  }
  if (
    (u.protocol !== 'http:' && u.protocol !== 'https:') ||
    u.search !== '' ||
    u.hash !== '' ||
    u.username !== '' ||
    u.password !== ''
  ) {
    throw new ResilienceConfigError(
      path,
      redactUrl(value),
      "an 'http(s)://host[:port][/prefix]' URL without query, fragment or credentials",
    );
  }
  return { href: u.href.replace(/\/+$/, ''), origin: u.origin };
}

/** An optional boolean option. */
export function checkBoolean(path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ResilienceConfigError(path, value, 'a boolean');
  return value;
}

/** Adds a secret (and the token of a `Bearer x` value) to a scrub list. */
export function addSecret(list: string[], value: unknown): void {
  if (typeof value !== 'string' || value.length < 4) return;
  if (!list.includes(value)) list.push(value);
  const m = /^(?:Bearer|Basic|Token)\s+(.+)$/i.exec(value);
  if (m !== null && m[1]!.length >= 4 && !list.includes(m[1]!)) list.push(m[1]!);
}

/** A policy given as an instance, or by name through the resolver. */
export function resolvePolicy<P>(
  path: string,
  value: PolicyOption<P> | undefined,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  cls: abstract new (...args: any[]) => P,
  kind: 'breaker' | 'retry' | 'limiter',
  resolver: PolicyResolver | undefined,
): P | undefined {
  if (value === undefined) return undefined;
  if (value instanceof cls) return value;
  if (typeof value === 'string' && value.length > 0) {
    if (resolver === undefined) {
      throw new ResilienceConfigError(
        path,
        value,
        `a ${cls.name} instance, or a policy name with ResilienceModule imported (no policy registry available)`,
      );
    }
    try {
      return resolver[kind](value) as P;
    } catch (error) {
      if (error instanceof ResilienceConfigError) throw new ResilienceConfigError(path, value, error.expected);
      throw error;
    }
  }
  throw new ResilienceConfigError(path, value, `a policy name or a ${cls.name}`);
}
