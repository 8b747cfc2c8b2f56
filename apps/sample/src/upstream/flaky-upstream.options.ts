/** Uniform [0, 1) source the simulator draws its failures from. */
export type UpstreamRandom = () => number;

/** What can be changed at run time (`POST /chaos`). */
export interface ChaosSettings {
  /** Share of requests answered `503 Service Unavailable`, 0..1. */
  failureRate: number;
  /** Delay before every answer, ms. */
  latencyMs: number;
  /** Share of requests answered `429 Too Many Requests` with `Retry-After`, 0..1. */
  rateLimitShare: number;
}

/** Options of {@link FlakyUpstream}. */
export interface FlakyUpstreamOptions extends Partial<ChaosSettings> {
  /** Source of randomness for failures (inject a seeded or scripted one in tests). Default `Math.random`. */
  random?: UpstreamRandom;
  /** `Retry-After` (seconds) sent with a simulated 429. Default 1. */
  retryAfterSeconds?: number;
  /** Real quota: requests per window (`x-ratelimit-limit-requests`). Default 100. */
  quotaLimit?: number;
  /** Length of the quota window, ms. Default 1000. */
  quotaWindowMs?: number;
  /** Time source of the quota window. Default `Date.now`. */
  now?: () => number;
  /**
   * Key the provider expects in `x-api-key`. A request without it, or with another one, is
   * answered `401` with a body that echoes the key it got (as careless providers do), so the
   * sample can show that the key still never reaches its own output. Default: no check.
   */
  apiKey?: string;
}

/** Counters of what the simulator answered, for tests and the demo. */
export interface UpstreamStats {
  requests: number;
  ok: number;
  notFound: number;
  unavailable: number;
  rateLimited: number;
  /** Requests refused with 401 (wrong or missing `x-api-key`). */
  unauthorized: number;
}

/** Validates one chaos setting; throws a `RangeError` naming it. */
export function checkChaosValue(name: keyof ChaosSettings, value: unknown): number {
  const max = name === 'latencyMs' ? 60_000 : 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new RangeError(
      `${name} must be a number in [0, ${max}] (got ${typeof value === 'number' ? String(value) : JSON.stringify(value)})`,
    );
  }
  return value;
}
