import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import { checkKnownKeys, checkNumber, optionalEnum, optionalNumber } from '../../core/options/validate.js';
import type { HeaderInput } from '../headers/headers.js';
import type {
  AdaptiveRateLimiterDeps,
  AdaptiveRateLimiterOptions,
  AdaptiveRateLimiterSnapshot,
  AdaptiveUpdate,
} from './adaptive-rate-limiter.options.js';
import { parseRateLimitHeaders, type RateLimitWindow } from '../headers/rate-limit-headers.js';

export type {
  AdaptiveRateLimiterDeps,
  AdaptiveRateLimiterOptions,
  AdaptiveRateLimiterSnapshot,
  AdaptiveUpdate,
} from './adaptive-rate-limiter.options.js';

const KNOWN = [
  'name',
  'initialRate',
  'periodMs',
  'burst',
  'minRate',
  'maxRate',
  'safetyFactor',
  'unit',
  'defaultResetMs',
  'minResetMs',
  'defaultPauseMs',
  'maxPauseMs',
  'mode',
  'maxWaitMs',
] as const;

/**
 * A token bucket whose rate follows what the provider reports in its rate-limit headers.
 *
 * `updateFromHeaders(headers, status?)` parses the headers with {@link parseRateLimitHeaders}
 * (OpenAI, Anthropic, IETF `RateLimit`, generic `x-ratelimit-*`, `retry-after`) and:
 * - sets `rate = remaining / max(timeToReset, minResetMs) × period × safetyFactor`, clamped to
 *   `[minRate, maxRate]` (the `requests` window by default, `tokens` with `unit: 'tokens'`);
 * - when `remaining` is 0, pauses the bucket until the window resets;
 * - on a 429, or any `retry-after`, pauses the bucket until the hinted time
 *   (`retry-after`, else the window reset, else `defaultPauseMs`). The rate itself is not
 *   lowered by a 429: the next response's headers set it;
 * - every pause a header causes lasts at most `maxPauseMs` (default 60 s): no header can
 *   disable the limiter for longer;
 * - a 2xx whose headers report `remaining > 0` ends a header-caused pause early, when its
 *   request was sent no earlier than the request whose response caused the pause (`sentAt`;
 *   without it, arrival order). A pause set by {@link pause} is never ended early.
 *
 * The bucket is a core {@link RateLimiterPolicy} (FIFO, reservations, any store), so between
 * two updates the core bound holds: admitted ≤ burst + rate × W / period in any window W.
 * @example
 * ```ts
 * const limiter = new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, maxRate: 50 });
 * const res = await limiter.execute(() => http.post('/v1/chat/completions', body));
 * limiter.updateFromHeaders(res.headers, res.status);
 * ```
 * @publicApi
 */
export class AdaptiveRateLimiter {
  readonly name: string;
  readonly clock: Clock;
  /** The core policy holding the bucket (usable as a pipeline's `limiter`). */
  readonly policy: RateLimiterPolicy;
  readonly minRate: number;
  readonly maxRate: number;
  readonly safetyFactor: number;
  private readonly unit: 'requests' | 'tokens';
  private readonly periodMs: number;
  private readonly defaultResetMs: number;
  private readonly minResetMs: number;
  private readonly defaultPauseMs: number;
  /** Longest pause a header may cause, ms. */
  readonly maxPauseMs: number;
  private pausedUntil = 0;
  /** Send time of the newest request whose response paused the bucket (Infinity: a manual pause). */
  private pauseCause = 0;
  private updates = 0;
  private lastWindow: RateLimitWindow | undefined;
  private lastUpdateAt: number | undefined;

  constructor(options: AdaptiveRateLimiterOptions, deps: AdaptiveRateLimiterDeps = {}) {
    const path = 'adaptiveRateLimiter';
    if (options === null || typeof options !== 'object')
      throw new ResilienceConfigError(path, options, 'an options object with an initialRate');
    checkKnownKeys(path, options, KNOWN);
    const p = (k: string) => `${path}.${k}`;
    this.name = options.name ?? 'adaptive';
    if (typeof this.name !== 'string' || this.name === '')
      throw new ResilienceConfigError(p('name'), options.name, 'a non-empty string');
    const initialRate = checkNumber(p('initialRate'), options.initialRate, { min: 0, minExclusive: true });
    this.periodMs = optionalNumber(p('periodMs'), options.periodMs, 1000, { min: 0, minExclusive: true });
    const burst = optionalNumber(p('burst'), options.burst, Math.max(1, initialRate), { min: 0, minExclusive: true });
    this.minRate = optionalNumber(p('minRate'), options.minRate, Math.min(1, initialRate), {
      min: 0,
      minExclusive: true,
    });
    this.maxRate = optionalNumber(p('maxRate'), options.maxRate, Infinity, { min: this.minRate, allowInfinity: true });
    if (initialRate < this.minRate || initialRate > this.maxRate) {
      throw new ResilienceConfigError(
        p('initialRate'),
        initialRate,
        `a number within [minRate, maxRate] = [${this.minRate}, ${this.maxRate}]`,
      );
    }
    this.safetyFactor = optionalNumber(p('safetyFactor'), options.safetyFactor, 0.9, {
      min: 0,
      minExclusive: true,
      max: 1,
    });
    this.unit = optionalEnum(p('unit'), options.unit, ['requests', 'tokens'] as const, 'requests');
    this.defaultResetMs = optionalNumber(p('defaultResetMs'), options.defaultResetMs, 60_000, {
      min: 0,
      minExclusive: true,
    });
    this.minResetMs = optionalNumber(p('minResetMs'), options.minResetMs, 1000, { min: 0, minExclusive: true });
    this.defaultPauseMs = optionalNumber(p('defaultPauseMs'), options.defaultPauseMs, 1000, { min: 0 });
    this.maxPauseMs = optionalNumber(p('maxPauseMs'), options.maxPauseMs, Math.max(60_000, this.defaultPauseMs), {
      min: this.defaultPauseMs,
    });
    const mode = optionalEnum(p('mode'), options.mode, ['wait', 'reject'] as const, 'wait');
    const maxWaitMs =
      mode === 'reject'
        ? 0
        : optionalNumber(p('maxWaitMs'), options.maxWaitMs, 30_000, { min: 0, allowInfinity: true });
    this.clock = deps.clock ?? systemClock;
    this.policy = new RateLimiterPolicy(
      this.name,
      { rate: initialRate, periodMs: this.periodMs, burst, tokens: 1, mode, maxWaitMs, maxPartitions: 1 },
      deps.store !== undefined ? { clock: this.clock, store: deps.store } : { clock: this.clock },
    );
  }

  /** Current rate (tokens per period). */
  get rate(): number {
    return this.policy.snapshot().rate;
  }

  /** Takes `tokens` (default 1); resolves when admitted. */
  acquire(tokens = 1, signal?: AbortSignal): Promise<void> {
    return this.policy.acquire([], tokens, signal);
  }

  /** Takes `tokens` (default 1), then runs `fn`. */
  async execute<T>(
    fn: () => T | Promise<T>,
    opts: { tokens?: number; signal?: AbortSignal } = {},
  ): Promise<Awaited<T>> {
    await this.policy.acquire([], opts.tokens ?? 1, opts.signal);
    return await fn();
  }

  /**
   * Adapts the rate to a response's headers (and pauses on a 429 / `retry-after`, at most
   * `maxPauseMs`). Call it with every response, successful or not (an `ApiClientError`'s
   * `headers` and `status` work).
   * @param sentAt epoch ms (this limiter's clock) the request was sent; orders responses for
   *   ending a pause early. Default: now.
   */
  updateFromHeaders(headers: HeaderInput, status?: number, sentAt?: number): AdaptiveUpdate {
    const now = this.clock.now();
    const sent = sentAt ?? now;
    const info = parseRateLimitHeaders(headers, now);
    const previousRate = this.rate;
    let rate = previousRate;
    const w = info[this.unit];
    let pauseUntil = 0;
    // Headers of a request sent before the one whose response paused us are stale: they change
    // nothing (neither the rate nor the window), unless they themselves refuse (429 / retry-after).
    const stale =
      this.pausedUntil > now &&
      sent < this.pauseCause &&
      this.pauseCause !== Infinity &&
      status !== 429 &&
      info.retryAfterMs === undefined;
    if (stale) return { rate, previousRate, info };
    if (w !== undefined && w.remaining !== undefined) {
      const resetMs = w.resetMs ?? this.defaultResetMs;
      rate = this.rateFor(w.remaining, resetMs);
      if (w.remaining === 0 && resetMs > 0) pauseUntil = now + Math.min(resetMs, this.maxPauseMs);
      this.lastWindow = w;
      this.lastUpdateAt = now;
      this.updates++;
      if (rate !== previousRate) this.policy.updateLimit({ rate });
    }
    if (status === 429 || info.retryAfterMs !== undefined) {
      const hint = info.retryAfterMs ?? w?.resetMs ?? this.defaultPauseMs;
      pauseUntil = Math.max(pauseUntil, now + Math.min(hint, this.maxPauseMs));
      if (w === undefined || w.remaining === undefined) {
        this.updates++;
        this.lastUpdateAt = now;
      }
    }
    const update: AdaptiveUpdate = { rate, previousRate, info };
    if (pauseUntil > now) {
      this.pauseFor(pauseUntil, sent, now);
      update.pausedUntil = this.pausedUntil;
    } else if (
      status !== undefined &&
      status >= 200 &&
      status < 300 &&
      w?.remaining !== undefined &&
      w.remaining > 0 &&
      this.pausedUntil > now &&
      sent >= this.pauseCause
    ) {
      // Newer headers show capacity: the pause is over.
      this.pausedUntil = 0;
      this.pauseCause = 0;
      this.policy.bucketFor([]).resume();
      update.resumed = true;
    }
    return update;
  }

  /**
   * Admits nobody until the clock reaches `untilMs` (epoch ms). Later pauses extend earlier
   * ones. Not capped by `maxPauseMs`, and not ended early by headers.
   */
  pause(untilMs: number): void {
    this.pauseFor(untilMs, Infinity, this.clock.now());
  }

  private pauseFor(untilMs: number, cause: number, now: number): void {
    if (this.pausedUntil <= now) this.pauseCause = cause;
    else if (cause > this.pauseCause) this.pauseCause = cause;
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
    this.policy.pauseUntil(untilMs);
  }

  /** Sets the rate by hand (clamped to `[minRate, maxRate]`). Returns the rate set. */
  setRate(rate: number): number {
    checkNumber(`${this.name}.rate`, rate, { min: 0, minExclusive: true, allowInfinity: true });
    const r = Math.min(this.maxRate, Math.max(this.minRate, rate));
    this.policy.updateLimit({ rate: r });
    return r;
  }

  /** The rate the formula gives for `remaining` units over `resetMs`, clamped. */
  rateFor(remaining: number, resetMs: number): number {
    const raw = (remaining / Math.max(resetMs, this.minResetMs)) * this.periodMs * this.safetyFactor;
    return Math.min(this.maxRate, Math.max(this.minRate, raw));
  }

  /** State for a status endpoint: current rate, bucket level, pause, last reported window. */
  snapshot(): AdaptiveRateLimiterSnapshot {
    const snap: AdaptiveRateLimiterSnapshot = {
      ...this.policy.snapshot(),
      minRate: this.minRate,
      maxRate: this.maxRate,
      safetyFactor: this.safetyFactor,
      updates: this.updates,
    };
    if (this.pausedUntil > this.clock.now()) snap.pausedUntil = this.pausedUntil;
    if (this.lastWindow !== undefined) snap.lastWindow = { ...this.lastWindow };
    if (this.lastUpdateAt !== undefined) snap.lastUpdateAt = this.lastUpdateAt;
    return snap;
  }
}
