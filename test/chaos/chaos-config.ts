// Settings of the chaos run, shared by the scenario (child process) and the spec (assertions).
// Chosen so 10,000 logical requests take about half a minute of real time: the limiter is the
// bottleneck (so its bound is exercised), timeouts, backoffs and recovery are short.
import { Fault } from './faults.js';

export const REQUESTS = 10_000;
/** Logical requests in flight at once. */
export const CONCURRENCY = 120;
/** Every 10th logical request is a POST without an idempotency key (the others are GETs). */
export const isPost = (id: number) => id % 10 === 3;

export const RETRY = { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 100 };
export const BREAKER = { failureThreshold: 5, recoveryTimeMs: 250, halfOpenMaxCalls: 2, successThreshold: 2 };
export const LIMITER = { rate: 500, periodMs: 1000, burst: 50, maxWaitMs: 2000 };
/** Per-attempt timeout of the ApiClient (ms). */
export const TIMEOUT_MS = 150;

/** Outage windows (ms from the start of the run): every request fails. */
export const OUTAGES: ReadonlyArray<readonly [number, number, Fault.Outage503 | Fault.OutageReset]> = [
  [6_000, 7_200, Fault.Outage503],
  [15_000, 16_200, Fault.OutageReset],
];
/** Redis run: SIGKILL at this time from the start of the run, restart after `REDIS_DOWN_MS`. */
export const REDIS_KILL_AT_MS = 10_000;
export const REDIS_DOWN_MS = 1_500;

export const RETRY_AFTER_SECONDS = 1;

/**
 * The sliding-window variant: at most `rate` per `periodMs` at the upstream (no burst). Its
 * safety margin must cover the spread of admission-to-arrival delays: here the upstream runs in
 * the client's process and a window's worth of calls (up to CONCURRENCY) is dispatched at once,
 * which spreads arrivals over up to ~280 ms on a loaded 2-core machine (`wireDelayMs` in the report), so the
 * default margin (20 ms) is not enough for this setup.
 */
export const SLIDING_LIMITER = {
  rate: LIMITER.rate,
  periodMs: LIMITER.periodMs,
  maxWaitMs: LIMITER.maxWaitMs,
  algorithm: 'sliding-window' as const,
  safetyMarginMs: 400,
};

/**
 * The documented bound of the limiter in any window of `w` ms: `burst + rate × w / period` for
 * the token bucket; `rate` for the sliding window (windows up to `periodMs`).
 */
export const limiterBound = (w: number, algorithm: ScenarioConfig['algorithm'] = 'token-bucket') =>
  algorithm === 'sliding-window'
    ? LIMITER.rate
    : Math.floor(LIMITER.burst + (LIMITER.rate * w) / LIMITER.periodMs + 1e-9);

/** Most admissions per second the limiter allows when saturated (a sliding window counts each for period + margin). */
export const saturatedRate = (algorithm: ScenarioConfig['algorithm'] = 'token-bucket') =>
  algorithm === 'sliding-window'
    ? (SLIDING_LIMITER.rate * 1000) / (SLIDING_LIMITER.periodMs + SLIDING_LIMITER.safetyMarginMs)
    : (LIMITER.rate * 1000) / LIMITER.periodMs;

/** The API key of the run: it must appear nowhere but in the requests the upstream received. */
export const canaryFor = (seed: number) => `chaos-canary-${seed}-q7Zt2`;
export const CANARY_HEADER = 'x-api-key';

/** Error classes a call may end with in this scenario (all documented in docs/errors.md). */
export const DOCUMENTED_ERRORS = [
  'UpstreamConnectionError',
  'UpstreamTimeoutError',
  'UpstreamRateLimitError',
  'UpstreamServerError',
  'ApiClientError', // a JSON content type with an invalid body
  'CircuitBreakerOpenError',
  'RateLimiterRejectedError',
  'StoreUnavailableError',
] as const;

export interface ScenarioConfig {
  store: 'memory' | 'redis';
  seed: number;
  requests?: number;
  /** Limiter algorithm (default the token bucket). */
  algorithm?: 'token-bucket' | 'sliding-window';
}

/** Loopback Redis round trip allowed on top of the event-loop delay when bounding a reply's wait (ms). */
export const REDIS_ROUND_TRIP_MS = 2;
