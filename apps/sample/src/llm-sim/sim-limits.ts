// The limits of the sample's simulated OpenAI-compatible server: requests and tokens per sliding
// window, the OpenAI rate-limit headers, and the settings read from the environment.
import { SampleConfig } from '../config/sample.config.js';

/** Limits and behaviour of the simulated server. */
export interface SimLimitsOptions {
  /** Requests accepted in any window of `windowMs`. Default 60. */
  requestsPerWindow?: number;
  /** Tokens (prompt + completion of the accepted requests) in any window of `windowMs`. Default 20000. */
  tokensPerWindow?: number;
  /** Length of the sliding window, ms. Default 10000. */
  windowMs?: number;
}

/** The defaults: about what a small real key allows, scaled to a 10 s window. */
export const SIM_LIMITS_DEFAULTS = { requestsPerWindow: 60, tokensPerWindow: 20_000, windowMs: 10_000 } as const;

/** The answer of {@link SimWindow.admit}. */
export interface SimAdmission {
  ok: boolean;
  /** Which limit refused it. */
  reason?: 'requests' | 'tokens';
  /** A refused request: how long until it would fit, ms (the window when it never fits). */
  retryAfterMs: number;
  /** `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`. */
  headers: Record<string, string>;
}

/**
 * A Go-style duration, as OpenAI writes `x-ratelimit-reset-*`: `"0s"`, `"250ms"`, `"1.5s"`,
 * `"1m30s"`, `"1h0m0s"` (milliseconds rounded up).
 */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = String((total % 60_000) / 1000);
  if (h > 0) return `${h}h${m}m${s}s`;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

/**
 * The accepted requests of the last `windowMs` (at most `requestsPerWindow` of them, so its memory
 * is bounded) and the tokens they used. A request is refused when the window already holds
 * `requestsPerWindow` requests, or when its tokens would take the window over `tokensPerWindow`.
 * The reset headers give the time until the oldest counted request leaves the window (when
 * capacity next grows; `0s` when the window is empty).
 */
export class SimWindow {
  readonly requestsPerWindow: number;
  readonly tokensPerWindow: number;
  readonly windowMs: number;
  private readonly entries: Array<{ at: number; tokens: number }> = [];
  private head = 0;
  private used = 0;

  constructor(options: SimLimitsOptions = {}) {
    this.requestsPerWindow = options.requestsPerWindow ?? SIM_LIMITS_DEFAULTS.requestsPerWindow;
    this.tokensPerWindow = options.tokensPerWindow ?? SIM_LIMITS_DEFAULTS.tokensPerWindow;
    this.windowMs = options.windowMs ?? SIM_LIMITS_DEFAULTS.windowMs;
    for (const [name, v] of Object.entries({
      requestsPerWindow: this.requestsPerWindow,
      tokensPerWindow: this.tokensPerWindow,
      windowMs: this.windowMs,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1 (got ${String(v)})`);
    }
  }

  /** Counts a request using `tokens` at `now` (ms) when it fits. */
  admit(now: number, tokens: number): SimAdmission {
    this.slide(now);
    const count = this.entries.length - this.head;
    let reason: SimAdmission['reason'];
    let retryAfterMs = 0;
    if (count >= this.requestsPerWindow) {
      reason = 'requests';
      retryAfterMs = this.expiry(this.head, now);
    } else if (tokens > this.tokensPerWindow) {
      reason = 'tokens';
      retryAfterMs = this.windowMs;
    } else if (this.used + tokens > this.tokensPerWindow) {
      reason = 'tokens';
      let freed = 0;
      let i = this.head;
      while (this.used - freed + tokens > this.tokensPerWindow) freed += this.entries[i++]!.tokens;
      retryAfterMs = this.expiry(i - 1, now);
    } else {
      this.entries.push({ at: now, tokens });
      this.used += tokens;
    }
    return { ok: reason === undefined, ...(reason ? { reason } : {}), retryAfterMs, headers: this.headers(now) };
  }

  /** Requests and tokens counted in the window at `now`. */
  usage(now: number): { requests: number; tokens: number } {
    this.slide(now);
    return { requests: this.entries.length - this.head, tokens: this.used };
  }

  private expiry(index: number, now: number): number {
    return Math.max(1, this.entries[index]!.at + this.windowMs - now);
  }

  private headers(now: number): Record<string, string> {
    const count = this.entries.length - this.head;
    const reset = goDuration(count > 0 ? this.expiry(this.head, now) : 0);
    return {
      'x-ratelimit-limit-requests': String(this.requestsPerWindow),
      'x-ratelimit-remaining-requests': String(Math.max(0, this.requestsPerWindow - count)),
      'x-ratelimit-reset-requests': reset,
      'x-ratelimit-limit-tokens': String(this.tokensPerWindow),
      'x-ratelimit-remaining-tokens': String(Math.max(0, this.tokensPerWindow - this.used)),
      'x-ratelimit-reset-tokens': reset,
    };
  }

  private slide(now: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.at <= now - this.windowMs)
      this.used -= this.entries[this.head++]!.tokens;
    if (this.head > 256 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}

/** What {@link simOptionsFromEnv} reads. */
export interface SimEnvOptions extends Required<SimLimitsOptions> {
  port: number;
  seed: number;
}

/**
 * The simulated server's settings from the environment (all optional; a bad value throws
 * `SampleConfigError` naming the variable): `SIM_LLM_PORT` (default 0: an ephemeral port),
 * `SIM_LLM_REQUESTS` (60), `SIM_LLM_TOKENS` (20000), `SIM_LLM_WINDOW_MS` (10000),
 * `SIM_LLM_SEED` (1, the latency's random seed).
 */
export function simOptionsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): SimEnvOptions {
  const c = new SampleConfig(env);
  const d = SIM_LIMITS_DEFAULTS;
  return {
    port: c.integer('SIM_LLM_PORT', 0, 0, 65535),
    requestsPerWindow: c.integer('SIM_LLM_REQUESTS', d.requestsPerWindow, 1),
    tokensPerWindow: c.integer('SIM_LLM_TOKENS', d.tokensPerWindow, 1),
    windowMs: c.integer('SIM_LLM_WINDOW_MS', d.windowMs, 1),
    seed: c.integer('SIM_LLM_SEED', 1, 0, 0xffffffff),
  };
}
