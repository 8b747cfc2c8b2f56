import { ResilienceConfigError } from '../../core/errors/index.js';
import { HeaderInjectionError } from '../errors/header-injection.error.js';

/**
 * How an API key is sent: `bearer` (`Authorization: Bearer <key>`), `x-api-key`
 * (`x-api-key: <key>`), `none` (no key), or any other string, used as the header name that
 * carries the bare key (e.g. `api-key` for Azure OpenAI, `x-goog-api-key` for Gemini).
 * @publicApi
 */
export type AuthType = 'bearer' | 'x-api-key' | 'none' | (string & {});

/** Input of {@link HeaderFactory.getHeader}. @publicApi */
export interface HeaderSpec {
  /** Default `bearer`. */
  authType?: AuthType;
  /** `Content-Type` to send. Default `application/json`; `null` sends none. */
  contentType?: string | null;
  /** The key. Required unless `authType` is `none`. */
  apiKey?: string;
  /** Merged last (they win, names compared case-insensitively). */
  defaultHeaders?: Readonly<Record<string, string>>;
  /** For error messages only: the endpoint (or client) the headers are for. */
  endpoint?: string;
  /** For error messages only: the environment variable expected to hold the key. */
  apiKeyEnv?: string;
}

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Characters that must never appear in a header value. */
const FORBIDDEN_VALUE = /[\r\n\0]/;

/**
 * Throws {@link HeaderInjectionError} unless `name` is an HTTP token and `value` holds no CR,
 * LF or NUL. Used for every header the HTTP layer sends. `where` (e.g. `client 'payments'
 * (clients.payments.headers)`) is named in the message.
 * @publicApi
 */
export function assertSafeHeader(name: string, value: unknown, where?: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new HeaderInjectionError(String(name), 'name', where);
  if (
    typeof value === 'string'
      ? FORBIDDEN_VALUE.test(value)
      : Array.isArray(value)
        ? value.some((v) => FORBIDDEN_VALUE.test(String(v)))
        : FORBIDDEN_VALUE.test(String(value))
  ) {
    throw new HeaderInjectionError(name, 'value', where);
  }
}

/** Checks every entry of a header object (see {@link assertSafeHeader}). @publicApi */
export function assertSafeHeaders(headers: Readonly<Record<string, unknown>> | undefined): void {
  if (headers === undefined || headers === null) return;
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined && v !== null) assertSafeHeader(name, v);
  }
}

/**
 * Sets `name: value` in `target`, first removing any header of the same name in another case.
 * @internal
 */
export function setHeader(target: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const k of Object.keys(target)) if (k !== name && k.toLowerCase() === lower) delete target[k];
  target[name] = value;
}

/** True when the auth type sends a key. @publicApi */
export function authTypeNeedsKey(authType: AuthType): boolean {
  return authType !== 'none';
}

/** The header that carries the key for an auth type (`undefined` for `none`). @publicApi */
export function authHeaderName(authType: AuthType): string | undefined {
  if (authType === 'none') return undefined;
  if (authType === 'bearer') return 'Authorization';
  return authType; // 'x-api-key' or a custom header name
}

/**
 * Builds request headers for an API: content type, the auth header, then `defaultHeaders`.
 * Auth types: `bearer`, `x-api-key`, `none` or a custom header name. CR/LF in any name or
 * value is rejected, and a missing key names the endpoint and the environment variable
 * expected, never any key.
 * @example
 * ```ts
 * HeaderFactory.getHeader({ authType: 'bearer', apiKey: process.env.OPENAI_API_KEY });
 * // { 'Content-Type': 'application/json', Authorization: 'Bearer sk-…' }
 * ```
 * @publicApi
 */
export class HeaderFactory {
  /** `{ 'Content-Type': contentType }`. */
  static getContentTypeHeader(contentType = 'application/json'): Record<string, string> {
    assertSafeHeader('Content-Type', contentType);
    return { 'Content-Type': contentType };
  }

  /** `{ Authorization: 'Bearer <key>' }`. */
  static getBearerAuthHeader(apiKey: string): Record<string, string> {
    assertSafeHeader('Authorization', apiKey);
    return { Authorization: `Bearer ${apiKey}` };
  }

  /**
   * Content type + auth header + `defaultHeaders` (later wins, case-insensitively).
   * @throws ResilienceConfigError when the auth type needs a key and none is given (path
   *   `endpoints.<endpoint>.apiKey`, naming `apiKeyEnv` when known).
   * @throws HeaderInjectionError for a CR/LF in any name or value (the key included).
   */
  static getHeader(spec: HeaderSpec = {}): Record<string, string> {
    const authType = spec.authType ?? 'bearer';
    const where = spec.endpoint ?? 'default';
    const of = spec.endpoint !== undefined ? `endpoint '${spec.endpoint}'` : undefined;
    if (typeof authType !== 'string' || authType.length === 0) {
      throw new ResilienceConfigError(
        `endpoints.${where}.authType`,
        authType,
        "'bearer', 'x-api-key', 'none' or a header name",
      );
    }
    const out: Record<string, string> = {};
    const contentType = spec.contentType === undefined ? 'application/json' : spec.contentType;
    if (contentType !== null) {
      assertSafeHeader('Content-Type', contentType, of && `${of} (endpoints.${where}.contentType)`);
      out['Content-Type'] = contentType;
    }
    const header = authHeaderName(authType);
    if (header !== undefined) {
      if (!TOKEN.test(header))
        throw new HeaderInjectionError(header, 'name', of && `${of} (endpoints.${where}.authType)`);
      const key = spec.apiKey;
      if (typeof key !== 'string' || key.length === 0) {
        const env =
          spec.apiKeyEnv !== undefined
            ? ` (set the environment variable ${spec.apiKeyEnv})`
            : ' (set apiKey or apiKeyEnv)';
        throw new ResilienceConfigError(
          `endpoints.${where}.${spec.apiKeyEnv !== undefined ? 'apiKeyEnv' : 'apiKey'}`,
          spec.apiKeyEnv ?? (key === undefined ? undefined : '[REDACTED]'),
          `an API key for authType '${authType}' of endpoint '${where}'${env}`,
        );
      }
      if (FORBIDDEN_VALUE.test(key))
        throw new HeaderInjectionError(
          header,
          'value',
          of && `${of} (endpoints.${where}.${spec.apiKeyEnv !== undefined ? 'apiKeyEnv' : 'apiKey'})`,
        );
      setHeader(out, header, authType === 'bearer' ? `Bearer ${key}` : key);
    }
    const defaults = spec.defaultHeaders;
    if (defaults !== undefined && defaults !== null) {
      for (const name of Object.keys(defaults)) {
        const v = defaults[name];
        if (v === undefined || v === null) continue;
        assertSafeHeader(name, v, of && `${of} (endpoints.${where}.defaultHeaders)`);
        setHeader(out, name, String(v));
      }
    }
    return out;
  }
}
