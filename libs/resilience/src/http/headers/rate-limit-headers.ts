import { normalizeHeaders, type HeaderInput, type NormalizedHeaders } from './headers.js';
import { count, genericResetMs, listLimit, parseGoDurationMs, untilDate, window } from './rate-limit-values.js';
import { parseRetryAfterMs } from './retry-after.js';
import type { RateLimitInfo, RateLimitWindow } from './rate-limit-info.js';

function parseOpenAI(h: NormalizedHeaders, info: RateLimitInfo): boolean {
  let found = false;
  for (const [unit, key] of [
    ['requests', 'requests'],
    ['tokens', 'tokens'],
  ] as const) {
    const w = window(
      count(h[`x-ratelimit-limit-${unit}`]),
      count(h[`x-ratelimit-remaining-${unit}`]),
      parseGoDurationMs(h[`x-ratelimit-reset-${unit}`]),
    );
    if (w !== undefined) {
      info[key] = w;
      found = true;
    }
  }
  return found;
}

function parseAnthropic(h: NormalizedHeaders, now: number, info: RateLimitInfo): boolean {
  let found = false;
  for (const [unit, key] of [
    ['requests', 'requests'],
    ['tokens', 'tokens'],
    ['input-tokens', 'inputTokens'],
    ['output-tokens', 'outputTokens'],
  ] as const) {
    const p = `anthropic-ratelimit-${unit}-`;
    const w = window(count(h[`${p}limit`]), count(h[`${p}remaining`]), untilDate(h[`${p}reset`], now));
    if (w !== undefined) {
      info[key] = w;
      found = true;
    }
  }
  return found;
}

/** Splits a structured-field list on commas outside quotes. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Parses `item;a=1;b=2` into its name (unquoted) and parameters. */
function parseItem(item: string): { name: string; params: Record<string, string> } {
  const parts = item.split(';').map((p) => p.trim());
  const params: Record<string, string> = {};
  let name = '';
  parts.forEach((p, i) => {
    const eq = p.indexOf('=');
    if (i === 0 && (eq < 0 || p.startsWith('"'))) {
      name = p.replace(/^"|"$/g, '');
      return;
    }
    if (eq > 0)
      params[p.slice(0, eq).trim().toLowerCase()] = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
  });
  return { name, params };
}

/**
 * IETF `RateLimit` / `RateLimit-Policy`:
 * - draft-7 dictionary: `RateLimit: limit=100, remaining=50, reset=30`, `RateLimit-Policy: 100;w=60`;
 * - newer structured lists: `RateLimit: "default";r=50;t=30`, `RateLimit-Policy: "default";q=100;w=60`
 *   (several policies: the one with the fewest remaining units wins);
 * - draft-6 separate fields `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds).
 */
function parseIetf(h: NormalizedHeaders, now: number, info: RateLimitInfo): boolean {
  const rl = h['ratelimit'];
  if (rl !== undefined) {
    const items = splitList(rl).map(parseItem);
    // draft-7 dictionary: each member is a bare key=value.
    const dict: Record<string, string> = {};
    let isDict = false;
    for (const raw of splitList(rl)) {
      const m = /^(limit|remaining|reset)\s*=\s*(-?\d+(?:\.\d+)?)$/i.exec(raw);
      if (m) {
        dict[m[1]!.toLowerCase()] = m[2]!;
        isDict = true;
      }
    }
    if (isDict) {
      let limit = count(dict.limit);
      if (limit === undefined) limit = policyQuota(h['ratelimit-policy'], undefined);
      const w = window(limit, count(dict.remaining), genericResetMs(dict.reset, now));
      if (w !== undefined) {
        info.requests = w;
        return true;
      }
    }
    let best: RateLimitWindow | undefined;
    for (const { name, params } of items) {
      const remaining = count(params.r);
      if (remaining === undefined) continue;
      const t = count(params.t);
      const w = window(policyQuota(h['ratelimit-policy'], name), remaining, t !== undefined ? t * 1000 : undefined);
      if (w !== undefined && (best === undefined || remaining < best.remaining!)) best = w;
    }
    if (best !== undefined) {
      info.requests = best;
      return true;
    }
  }
  const w = window(
    listLimit(h['ratelimit-limit']) ?? policyQuota(h['ratelimit-policy'], undefined),
    count(h['ratelimit-remaining']),
    genericResetMs(h['ratelimit-reset'], now),
  );
  if (w !== undefined && (w.remaining !== undefined || w.limit !== undefined)) {
    info.requests = w;
    return true;
  }
  return false;
}

/** The quota of a policy in `RateLimit-Policy` (`"name";q=100;w=60` or draft-7 `100;w=60`). */
function policyQuota(value: string | undefined, name: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  for (const item of splitList(value)) {
    const { name: n, params } = parseItem(item);
    if (params.q !== undefined && (name === undefined || n === name)) return count(params.q);
    if (name === undefined && /^\d+$/.test(n)) return Number(n); // draft-7 "100;w=60"
  }
  return undefined;
}

/** Generic `x-ratelimit-{limit,remaining,reset}` (also `x-rate-limit-*`). */
function parseGeneric(h: NormalizedHeaders, now: number, info: RateLimitInfo): boolean {
  for (const p of ['x-ratelimit-', 'x-rate-limit-']) {
    const w = window(listLimit(h[`${p}limit`]), count(h[`${p}remaining`]), genericResetMs(h[`${p}reset`], now));
    if (w !== undefined && (w.remaining !== undefined || w.limit !== undefined)) {
      info.requests = w;
      return true;
    }
  }
  return false;
}

/**
 * Parses a response's rate-limit headers into {@link RateLimitInfo}. Understands, first
 * family found wins (names are case-insensitive):
 * 1. OpenAI `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (resets as Go durations: `1s`, `6m0s`, `12ms`);
 * 2. Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` (RFC 3339 resets);
 * 3. IETF `RateLimit` / `RateLimit-Policy` (draft-7 and structured-field forms, and draft-6 `RateLimit-*`);
 * 4. generic `x-ratelimit-{limit,remaining,reset}` (reset in seconds, epoch seconds or epoch ms).
 * A list-form limit (`RateLimit-Limit: 5000, 1000;w=3600`, Envoy's `x-ratelimit-limit: 1, 1;w=60`)
 * gives its first item as `limit`.
 * `retry-after-ms` / `retry-after` are read in every case.
 * @param now epoch ms (for RFC 3339 / epoch resets and HTTP dates).
 * @publicApi
 */
export function parseRateLimitHeaders(headers: HeaderInput, now: number = Date.now()): RateLimitInfo {
  const h = normalizeHeaders(headers);
  const info: RateLimitInfo = {};
  if (parseOpenAI(h, info)) info.source = 'openai';
  else if (parseAnthropic(h, now, info)) info.source = 'anthropic';
  else if (parseIetf(h, now, info)) info.source = 'ietf';
  else if (parseGeneric(h, now, info)) info.source = 'generic';
  const ra = parseRetryAfterMs(h, undefined, now);
  if (ra !== undefined) info.retryAfterMs = ra;
  return info;
}
