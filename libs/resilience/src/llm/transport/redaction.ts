import {
  isSensitiveHeader,
  normalizeHeaders,
  redactUrl,
  scrubSecrets,
  type HeaderInput,
  type NormalizedHeaders,
} from '../../http/headers/headers.js';

/**
 * A superset of what `scrubSecrets` changes: a `Bearer` / `Basic` credential, an `sk-` or `AIza`
 * key, a mask (`*`, `•`, `…`, `...`). A value it misses (and holding none of the secrets) comes
 * out of `scrubSecrets` unchanged, so it is not passed through it.
 */
const SCRUB_HINT = /bearer|basic|sk-|aiza|[*•…]|\.\.\./i;

/**
 * `fn` remembered per key (at most `max` keys, then forgotten all at once); a throwing `fn`
 * remembers nothing.
 */
function remembered<T>(fn: (key: string) => T, max: number): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let r = cache.get(key);
    if (r === undefined) {
      r = fn(key);
      if (cache.size >= max) cache.clear();
      cache.set(key, r);
    }
    return r;
  };
}

/** `isSensitiveHeader`, remembered per name: an upstream sends the same names on every answer. */
const sensitiveName = remembered(isSensitiveHeader, 256);

function holdsSecret(value: string, secrets: readonly string[]): boolean {
  for (const s of secrets) if (s.length >= 4 && value.includes(s)) return true;
  return false;
}

/**
 * The headers of a response (a fetch `Headers`, Node's `IncomingHttpHeaders`), read once: lower-cased (`normalizeHeaders`, so a later
 * `safeHeaders` / `normalizeHeaders` of the record does not copy it again), without credential or
 * cookie headers, every value scrubbed of the secrets: the same record as
 * `safeHeaders(headers, secrets)`, but `scrubSecrets` runs only on a value that could hold
 * something to scrub.
 * @internal
 */
export function safeResponseHeaders(headers: HeaderInput, secrets: readonly string[]): NormalizedHeaders {
  const h = normalizeHeaders(headers);
  for (const k in h) {
    if (sensitiveName(k)) {
      delete h[k];
      continue;
    }
    const v = h[k]!;
    if (SCRUB_HINT.test(v) || holdsSecret(v, secrets)) h[k] = scrubSecrets(v, secrets);
  }
  return h;
}

/** Distinct URLs a transport remembers per memo (a model calls one or two: chat and stream). */
const URL_CACHE = 16;

/**
 * `fn` remembered per URL (at most {@link URL_CACHE}, then forgotten all at once): the URL of a
 * model is the same on every call. A throwing `fn` remembers nothing.
 * @internal
 */
export function perUrl<T>(fn: (url: string) => T): (url: string) => T {
  return remembered(fn, URL_CACHE);
}

/** `redactUrl(url, secrets)` remembered per URL ({@link perUrl}). @internal */
export function urlRedactor(secrets: readonly string[]): (url: string) => string {
  return perUrl((url) => redactUrl(url, secrets));
}
