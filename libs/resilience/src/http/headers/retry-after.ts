import { normalizeHeaders, type HeaderInput } from './headers.js';
import { parseHttpDate } from './http-date.js';

/**
 * Largest hint (ms) a parser returns: about 24.8 days, the longest `setTimeout`. A larger
 * value (`Retry-After: 99999999999999999999`) is clamped to it; the retry policy's
 * `maxRetryAfterMs` and the adaptive limiter's `maxPauseMs` then cap what is waited.
 * @publicApi
 */
export const MAX_HINT_MS = 2_147_483_647;

/** Bodies longer than this are not parsed for a Gemini `RetryInfo` (they are not error bodies). */
const MAX_PARSE_CHARS = 64 * 1024;

function nonNegativeNumber(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^[+]?\d+(\.\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Parses a protobuf `Duration` as JSON renders it (`"12s"`, `"1.5s"`, `"0.250s"`), or the
 * object form `{ seconds, nanos }`, into ms. `undefined` for anything else or negative.
 * @publicApi
 */
export function parseProtoDurationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(value);
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
    const s = typeof seconds === 'string' ? Number(seconds) : seconds;
    const n = typeof nanos === 'number' ? nanos : 0;
    if (typeof s === 'number' && Number.isFinite(s) && s >= 0 && n >= 0) return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}

/**
 * Parses a JSON body given as a string / Buffer, or returns an object body as is. Bodies that
 * are not JSON objects give `undefined`.
 */
export function parseJsonBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body instanceof Uint8Array)
    text =
      body.byteLength <= MAX_PARSE_CHARS
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
        : undefined;
  else if (typeof body === 'object') return body;
  if (text === undefined || text.length > MAX_PARSE_CHARS) return undefined;
  const t = text.trimStart();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** Gemini / Google RPC `details[]` of an error body (`{error:{details}}`), or `[]`. */
export function googleErrorDetails(parsed: unknown): readonly Record<string, unknown>[] {
  const root = Array.isArray(parsed) ? parsed[0] : parsed; // some Google APIs wrap the body in an array
  const details = (root as { error?: { details?: unknown } } | null | undefined)?.error?.details;
  return Array.isArray(details)
    ? (details.filter((d) => d !== null && typeof d === 'object') as Record<string, unknown>[])
    : [];
}

/**
 * When the server says to try again, in ms from `now` (never negative), or `undefined`.
 * Sources, first match wins (header names are case-insensitive):
 * 1. `retry-after-ms` (OpenAI, Azure; also `x-ms-retry-after-ms`): a number of ms.
 * 2. `retry-after`, strictly as RFC 9110 defines it (see {@link parseRetryAfterValue}).
 * 3. The body's Gemini `google.rpc.RetryInfo.retryDelay` (`"34.4s"`).
 * Negative numbers, garbage and invalid dates are ignored (the next source is tried). Every
 * value is clamped to {@link MAX_HINT_MS}.
 * @param now epoch ms used for HTTP dates (default `Date.now()`).
 * @publicApi
 */
export function parseRetryAfterMs(headers: HeaderInput, body?: unknown, now: number = Date.now()): number | undefined {
  const h = normalizeHeaders(headers);
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = nonNegativeNumber(h[name]);
    if (ms !== undefined) return Math.min(ms, MAX_HINT_MS);
  }
  const ra = h['retry-after'];
  if (ra !== undefined) {
    const ms = parseRetryAfterValue(ra, now);
    if (ms !== undefined) return ms;
  }
  if (body !== undefined) return retryDelayFromBody(body);
  return undefined;
}

/**
 * One `Retry-After` value in ms from `now`, parsed strictly (RFC 9110 §10.2.3): delay-seconds
 * (digits only: `"30"`; not `"1.5"`, `"-5"`, `"1e3"`), or an HTTP-date in IMF-fixdate, RFC 850
 * or asctime form (a past date gives 0). Anything else is `undefined` — a made-up day name
 * (`Zun, 29 Sep 2023 …`), a 5-digit year (`Fri, 29 Sep 100000 16:26:57 GMT`). Clamped to
 * {@link MAX_HINT_MS}.
 * @publicApi
 */
export function parseRetryAfterValue(value: string, now: number = Date.now()): number | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_HINT_MS);
  const at = parseHttpDate(v, now);
  return at === undefined ? undefined : Math.min(Math.max(0, at - now), MAX_HINT_MS);
}

/** The Gemini `RetryInfo.retryDelay` of an error body, in ms, or `undefined`. @publicApi */
export function retryDelayFromBody(body: unknown): number | undefined {
  for (const d of googleErrorDetails(parseJsonBody(body))) {
    const type = d['@type'];
    if (typeof type === 'string' && type.endsWith('google.rpc.RetryInfo')) {
      const ms = parseProtoDurationMs(d.retryDelay);
      if (ms !== undefined) return Math.min(ms, MAX_HINT_MS);
    }
  }
  return undefined;
}
