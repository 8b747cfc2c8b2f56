/** Value parsers of rate-limit headers (counts, durations, resets, list-form limits). @internal */
import { parseHttpDate } from './http-date.js';
import type { RateLimitWindow } from './rate-limit-info.js';

const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g;
const GO_UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 0.000001,
};

/**
 * Parses a Go-style duration as OpenAI sends in `x-ratelimit-reset-*`: `"12ms"`, `"1s"`,
 * `"6m0s"`, `"1h2m3.5s"`, `"0.5s"`. A bare number is taken as seconds. `undefined` for
 * anything else.
 * @publicApi
 */
export function parseGoDurationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  if (!/^((\d+(\.\d+)?)(ms|us|µs|ns|h|m|s))+$/.test(v)) return undefined;
  let total = 0;
  GO_DURATION_PART.lastIndex = 0;
  for (let m = GO_DURATION_PART.exec(v); m !== null; m = GO_DURATION_PART.exec(v))
    total += Number(m[1]) * GO_UNIT_MS[m[2]!]!;
  return Math.round(total * 1000) / 1000;
}

export function num(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (!/^-?\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** A non-negative count; OpenAI-compatible proxies (Azure) sometimes send -1 for "unknown". */
export function count(value: string | undefined): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 ? n : undefined;
}

export function window(
  limit: number | undefined,
  remaining: number | undefined,
  resetMs: number | undefined,
): RateLimitWindow | undefined {
  if (limit === undefined && remaining === undefined && resetMs === undefined) return undefined;
  const w: RateLimitWindow = {};
  if (limit !== undefined) w.limit = limit;
  if (remaining !== undefined) w.remaining = remaining;
  if (resetMs !== undefined) w.resetMs = Math.max(0, resetMs);
  return w;
}

/**
 * The first item of a list-form limit (`5000, 1000;w=3600`, Envoy's `1, 1;w=60`): its bare
 * number, parameters dropped. A plain number is its own first item.
 */
export function listLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  const first = comma >= 0 ? value.slice(0, comma) : value;
  const semi = first.indexOf(';');
  return count(semi >= 0 ? first.slice(0, semi) : first);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 timestamp (or a strict HTTP-date) as ms from `now` (never negative). */
export function untilDate(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const at = RFC3339.test(v) ? Date.parse(v) : parseHttpDate(v, now);
  return at !== undefined && Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * A generic reset value: a Go duration (`"1s"`), delta-seconds (`"30"`), epoch seconds
 * (`"1732450000"`, taken as epoch when it is later than 2001 in seconds), or epoch ms.
 */
export function genericResetMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const n = num(value);
  if (n === undefined) {
    const d = parseGoDurationMs(value);
    return d ?? untilDate(value, now);
  }
  if (n < 0) return undefined;
  if (n >= 1e12) return Math.max(0, n - now); // epoch ms
  if (n >= 1e9) return Math.max(0, n * 1000 - now); // epoch seconds
  return n * 1000;
}
