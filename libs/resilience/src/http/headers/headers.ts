/**
 * Header helpers shared by the error taxonomy and the rate-limit header parsers.
 * Every parser in this folder accepts any of the usual header shapes and looks names up
 * case-insensitively.
 */

/**
 * Response headers in any common shape: a plain object (Node `IncomingHttpHeaders`, axios'
 * `response.headers` / `AxiosHeaders`, a test literal), a fetch `Headers`, or a `Map`. Values are
 * strings, numbers, booleans or arrays of strings (joined with `, `).
 * @publicApi
 */
export type HeaderInput =
  | Readonly<Record<string, unknown>>
  | { forEach(cb: (value: string, key: string) => void): void }
  | ReadonlyMap<string, string | readonly string[]>
  | null
  | undefined;

/** Lower-cased header name → value (repeated values joined with `, `). @publicApi */
export type NormalizedHeaders = Record<string, string>;

/**
 * The prototype of every record {@link normalizeHeaders} and {@link headersFromNode} make: it has
 * no properties (any header name, `__proto__` and `constructor` included, is an own key), and it
 * marks a record as normalized, so it is not copied again. Unlike `Object.create(null)`, the
 * records stay in V8's fast mode (reading and iterating them is several times cheaper).
 */
const NORMALIZED_PROTO: object = Object.freeze(Object.create(null) as object);

function newRecord(): NormalizedHeaders {
  return Object.create(NORMALIZED_PROTO) as NormalizedHeaders;
}

function isNormalized(headers: object): boolean {
  return Object.getPrototypeOf(headers) === NORMALIZED_PROTO;
}

function put(out: NormalizedHeaders, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  const v = Array.isArray(value) ? value.join(', ') : String(value);
  const k = key.toLowerCase();
  out[k] = out[k] !== undefined ? `${out[k]}, ${v}` : v;
}

/**
 * Copies headers into a plain object with lower-cased names. Already-normalized input
 * (see {@link normalizeHeaders}) is returned as is, without copying.
 * @publicApi
 */
export function normalizeHeaders(headers: HeaderInput): NormalizedHeaders {
  if (headers === null || headers === undefined || typeof headers !== 'object') return newRecord();
  if (isNormalized(headers)) return headers as NormalizedHeaders;
  const out = newRecord();
  const maybeJson = (headers as { toJSON?: unknown }).toJSON;
  if (typeof maybeJson === 'function' && !(headers instanceof Map)) {
    // axios AxiosHeaders
    const json = (maybeJson as () => unknown).call(headers);
    if (json !== null && typeof json === 'object') {
      for (const [k, v] of Object.entries(json as Record<string, unknown>)) put(out, k, v);
      return out;
    }
  }
  const forEach = (headers as { forEach?: unknown }).forEach;
  if (typeof forEach === 'function') {
    (headers as { forEach(cb: (value: unknown, key: string) => void): void }).forEach((value, key) =>
      put(out, key, value),
    );
  } else {
    for (const [k, v] of Object.entries(headers)) put(out, k, v);
  }
  return out;
}

/**
 * Node's parse of a response's headers (`IncomingMessage.headers`: names lower-cased; with the
 * request option `joinDuplicateHeaders`, every repeated header joined with `, `; `set-cookie` an
 * array, joined here) as {@link NormalizedHeaders}; a later `normalizeHeaders` of the record
 * returns it as is. Node builds `res.headers` once per response (a keep-alive agent reads it
 * anyway), and its names are already property keys, so the copy is cheap. @internal
 */
export function headersFromNode(headers: Readonly<Record<string, string | string[] | undefined>>): NormalizedHeaders {
  const out = newRecord();
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = typeof v === 'string' ? v : v.join(', ');
  }
  return out;
}

/**
 * Header names removed from anything the library stores or logs (credentials, cookies).
 * Response headers rarely carry them, but proxies and misconfigured servers echo them.
 */
const SENSITIVE_HEADER =
  /authorization|cookie|api[-_]?key|secret|password|session|x-amz-security-token|x-goog-iam|credential/i;

/** True for a header name whose value must never be logged. @publicApi */
export function isSensitiveHeader(name: string): boolean {
  return SENSITIVE_HEADER.test(name);
}

/** Query parameter names treated as secrets (matched against the end of the lower-cased name). */
const SECRET_PARAM =
  /(^|[-_.])?(key|apikey|token|secret|signature|sig|password|passwd|pwd|auth|authorization|credential|session|code)$/i;

/** Replacement for a redacted value: `[REDACTED]`. @publicApi */
export const REDACTED = '[REDACTED]';

/**
 * Patterns of credentials that must never be logged even when a server echoes them in a body
 * or message: bearer tokens, `sk-…` / `sk-ant-…` keys, Google `AIza…` keys.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi,
  /\bsk-[A-Za-z0-9_-]{6,}/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
];

/** Cheap pre-check: text holding a mask character or an ellipsis. */
const MASK_HINT = /[*•…]|\.\.\./;
/** A word, a run of mask characters, a word: `sk-abcde***…wxyz`, `AIza…1234`, `sk-proj-ab...yz`. */
const MASKED = /([A-Za-z0-9_-]*)([*•….]+)([A-Za-z0-9_-]*)/g;

/**
 * True for a provider-masked key fragment: a run of `*`, `•` or `…` (or 3+ dots) between an
 * `sk-…` prefix, or between a prefix (≥ 3 characters) and/or suffix (≥ 4 characters alone, ≥ 2
 * after a prefix) of one of `secrets`.
 */
function isMaskedSecret(before: string, run: string, after: string, secrets: readonly string[] | undefined): boolean {
  if (!/[*•…]/.test(run) && run.length < 3) return false;
  if (before.length === 0 && after.length === 0) return false;
  if (/^sk-/.test(before) || /^AIza/.test(before)) return true;
  if (secrets === undefined) return false;
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 8) continue;
    const pre = before.length >= 3 && s.startsWith(before);
    const suf = after.length >= 2 && s.endsWith(after);
    if ((pre && (after.length === 0 || suf)) || (before.length === 0 && after.length >= 4 && suf)) return true;
  }
  return false;
}

/**
 * Removes credentials from free text: the well-known key shapes above, plus every string in
 * `secrets` (e.g. the client's configured API key), plus provider-masked fragments of either
 * (`Incorrect API key provided: sk-abcde***…wxyz`: a prefix and/or suffix of the key around
 * `*`, `•`, `…` or `...`). Short secrets (< 4 chars) are ignored.
 * @publicApi
 */
export function scrubSecrets(text: string, secrets?: readonly string[]): string {
  let out = text;
  if (secrets !== undefined) {
    for (const s of secrets) {
      if (typeof s === 'string' && s.length >= 4 && out.includes(s)) out = out.split(s).join(REDACTED);
    }
  }
  if (MASK_HINT.test(out))
    out = out.replace(MASKED, (m: string, before: string, run: string, after: string) =>
      isMaskedSecret(before, run, after, secrets) ? REDACTED : m,
    );
  for (const re of SECRET_PATTERNS) {
    re.lastIndex = 0;
    if (re.test(out)) {
      re.lastIndex = 0;
      out = out.replace(re, (m) => (/^(bearer|basic)\s/i.test(m) ? `${m.split(/\s+/)[0]} ${REDACTED}` : REDACTED));
    }
  }
  return out;
}

/**
 * A URL safe to log: user-info and fragment dropped, and the value of every query parameter
 * whose name looks secret (`key`, `api_key`, `token`, `access_token`, `signature`,
 * `X-Amz-Signature`, `X-Amz-Credential`, `password`, ...) replaced by `[REDACTED]`.
 * Relative URLs stay relative. Other parameters are kept byte for byte.
 * @publicApi
 */
export function redactUrl(url: string, secrets?: readonly string[]): string {
  if (typeof url !== 'string') return '';
  let u = url;
  const hash = u.indexOf('#');
  if (hash >= 0) u = u.slice(0, hash);
  // user:pass@host
  u = u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, '$1');
  const q = u.indexOf('?');
  if (q >= 0) {
    const base = u.slice(0, q);
    const parts = u
      .slice(q + 1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        const rawName = eq >= 0 ? pair.slice(0, eq) : pair;
        let name = rawName;
        try {
          name = decodeURIComponent(rawName.replace(/\+/g, ' '));
        } catch {
          /* keep raw */
        }
        return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=${REDACTED}` : pair;
      });
    u = `${base}?${parts.join('&')}`;
  }
  return scrubSecrets(u, secrets);
}

/**
 * Response headers safe to keep on an error: lower-cased, credentials and cookies removed,
 * values scrubbed of key-shaped strings.
 * @publicApi
 */
export function safeHeaders(headers: HeaderInput, secrets?: readonly string[]): Record<string, string> {
  const all = normalizeHeaders(headers);
  const out: Record<string, string> = {};
  for (const k of Object.keys(all)) {
    if (isSensitiveHeader(k)) continue;
    out[k] = scrubSecrets(all[k]!, secrets);
  }
  return out;
}
