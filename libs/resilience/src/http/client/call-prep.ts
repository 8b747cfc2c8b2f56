import type { CallRequest, HttpMethod, RequestOptions } from './api-client.options.js';
import type { Prepared } from './attempt-runner.js';
import { InvalidRequestError } from '../errors/invalid-request.error.js';
import { ClientClosedError } from '../errors/transport.error.js';
import { assertSafeHeaders } from '../headers/header-factory.js';
import { redactUrl } from '../headers/headers.js';
import { isRetrySafe } from './idempotency.js';
import { resolveRequestUrl, type UrlContext } from './request-url.js';
import { addSecret } from './secrets.js';

const CALL_KEYS = new Set([
  'method',
  'url',
  'params',
  'json',
  'data',
  'headers',
  'timeoutMs',
  'signal',
  'secrets',
  'idempotent',
]);
const METHOD = /^[A-Za-z]+$/;

/** What {@link prepareCall} needs of the client: built once per client, never per call. @internal */
export interface CallContext {
  readonly url: UrlContext;
  /** The client's own headers (never modified: a call that adds headers works on a copy). */
  readonly headers: Record<string, string>;
  readonly secrets: string[];
  /** Default per-attempt timeout, ms. */
  readonly timeout: number;
  /** The client is marked idempotent. */
  readonly idempotent: boolean;
  /** Lower-cased name of the idempotency-key header. */
  readonly keyHeader: string;
  /** True once the client is closed. */
  isClosed(): boolean;
  /** True when a header's value must be treated as a secret. */
  isSecretHeader(name: string): boolean;
}

/**
 * The `InvalidRequestError` for the first key of `req` that `ApiClient.call()` does not know,
 * or `undefined` when every key is known. The object is only read.
 * @internal
 */
export function unknownCallKey(req: CallRequest): InvalidRequestError | undefined {
  for (const key in req) {
    if (!CALL_KEYS.has(key)) {
      return new InvalidRequestError(
        'unknown-option',
        `ApiClient.call(): unknown request option '${key}' (known: ${[...CALL_KEYS].join(', ')})`,
        { method: String(req.method ?? 'GET'), url: String(req.url ?? '/') },
      );
    }
  }
  return undefined;
}

/**
 * Checks one request and builds what the attempt runner sends: URL (host override refused),
 * method, body, merged headers (copied only when the call adds some), the secrets to scrub,
 * timeout, and whether a retry is safe. Throws `ClientClosedError` / `InvalidRequestError`
 * (or `HostOverrideError`) before any I/O.
 * @internal
 */
export function prepareCall(c: CallContext, method: HttpMethod, path: string, options: RequestOptions): Prepared {
  const m = typeof method === 'string' ? method.toUpperCase() : '';
  const url = resolveRequestUrl(c.url, m, path, options.params);
  const name = c.url.name;
  if (c.isClosed()) throw new ClientClosedError({ method: m, url, client: name, secrets: c.secrets });
  if (!METHOD.test(m))
    throw new InvalidRequestError(
      'invalid-method',
      `Invalid HTTP method ${JSON.stringify(String(method)).slice(0, 40)}`,
      { method: 'GET', url, secrets: c.secrets },
    );
  if (options.json !== undefined && options.data !== undefined) {
    throw new InvalidRequestError(
      'body-conflict',
      `${m} ${redactUrl(url, c.secrets)}: pass either json or data, not both`,
      { method: m, url, secrets: c.secrets },
    );
  }
  let headers = c.headers;
  let secrets = c.secrets;
  if (options.secrets !== undefined) {
    if (!Array.isArray(options.secrets))
      throw new InvalidRequestError(
        'invalid-option',
        `${m} ${redactUrl(url, c.secrets)}: secrets must be an array of strings`,
        { method: m, url, secrets: c.secrets },
      );
    secrets = [...secrets];
    for (const s of options.secrets) addSecret(secrets, s);
  }
  if (options.headers !== undefined || options.json !== undefined) {
    headers = { ...c.headers };
    if (options.headers !== undefined) {
      assertSafeHeaders(options.headers);
      for (const k of Object.keys(options.headers)) {
        const v = options.headers[k];
        if (v === undefined || v === null) continue;
        for (const existing of Object.keys(headers))
          if (existing !== k && existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
        headers[k] = v;
        if (c.isSecretHeader(k)) {
          if (secrets === c.secrets) secrets = [...secrets];
          addSecret(secrets, v);
        }
      }
    }
    if (options.json !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
  }
  const timeout = options.timeoutMs === undefined ? c.timeout : options.timeoutMs;
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new InvalidRequestError(
      'invalid-option',
      `${m} ${redactUrl(url, c.secrets)}: timeout must be a finite number of ms > 0`,
      { method: m, url, secrets: c.secrets },
    );
  }
  const explicit = options.idempotent;
  if (explicit !== undefined && typeof explicit !== 'boolean') {
    throw new InvalidRequestError('invalid-option', `${m} ${redactUrl(url, c.secrets)}: idempotent must be a boolean`, {
      method: m,
      url,
      secrets: c.secrets,
    });
  }
  return {
    client: name,
    method: m,
    path,
    url,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.data,
    timeout,
    signal: options.signal,
    secrets,
    retrySafe: isRetrySafe(m, headers, explicit, c.idempotent, c.keyHeader),
  };
}
