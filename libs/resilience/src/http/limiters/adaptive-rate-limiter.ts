import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { EventEmitter } from '../../core/events/event-emitter.js';
import { checkNumber, checkPolicyDeps } from '../../core/options/validate.js';
import type { ExecuteContext, ExecuteFn, ExecuteOptions } from '../../core/policy/execute-options.js';
import { RateLimiterPolicy } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { BucketBackend } from '../../core/store/store.js';
import type { HeaderInput } from '../headers/headers.js';
import { parseRateLimitHeaders } from '../headers/rate-limit-headers.js';
import type { RateLimitWindow } from '../headers/rate-limit-info.js';
import { rateChange, type AdaptiveRateChange } from './adaptive-rate-limiter.events.js';
import { normalizeAdaptiveRateLimiterOptions } from './adaptive-rate-limiter.normalize.js';
import type {
  AdaptiveRateLimiterDeps,
  AdaptiveRateLimiterOptions,
  AdaptiveRateLimiterSnapshot,
  AdaptiveUpdate,
  NormalizedAdaptiveRateLimiterOptions,
} from './adaptive-rate-limiter.options.js';

const EMPTY: readonly unknown[] = Object.freeze([]);
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: undefined, attempt: 1 });

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
 * Every change of rate or pause is emitted to {@link onRateChange} listeners
 * (`{ type: 'adaptive.rate', policy, rate, previousRate, pausedUntil?, resumed?, cause }`).
 * The bucket is a core {@link RateLimiterPolicy} (FIFO, reservations, any store), so between
 * two updates the core bound holds: admitted ≤ burst + rate × W / period in any window W.
 * @example
 * ```ts
 * const limiter = new AdaptiveRateLimiter({ name: 'openai', initialRate: 5, maxRate: 50 });
 * limiter.onRateChange((e) => console.log(`${e.policy}: ${e.previousRate} → ${e.rate}`));
 * const res = await limiter.execute(({ signal }) => http.post('/v1/chat/completions', body, { signal }), { signal });
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
  /** Longest pause a header may cause, ms. */
  readonly maxPauseMs: number;
  readonly #o: NormalizedAdaptiveRateLimiterOptions;
  /** Path of this limiter's options in errors: `adaptiveLimiters.<name>`. */
  readonly #path: string;
  readonly #bucket: BucketBackend;
  readonly #rateChange = new EventEmitter<AdaptiveRateChange>();
  /** Subscribes to rate and pause changes; returns a disposable. */
  readonly onRateChange = this.#rateChange.subscribe;
  #rate: number;
  #pausedUntil = 0;
  /** Send time of the newest request whose response paused the bucket (Infinity: a manual pause). */
  #pauseCause = 0;
  #updates = 0;
  #lastWindow: RateLimitWindow | undefined;
  #lastUpdateAt: number | undefined;

  /** Validates `options` (`ResilienceConfigError` under `adaptiveLimiters.<name>`) and `deps`. */
  constructor(options: AdaptiveRateLimiterOptions, deps: AdaptiveRateLimiterDeps = {}) {
    const o = normalizeAdaptiveRateLimiterOptions(options);
    this.#o = o;
    this.#path = `adaptiveLimiters.${o.name}`;
    const checked = checkPolicyDeps(this.#path, deps, ['clock', 'store']);
    this.name = o.name;
    this.minRate = o.minRate;
    this.maxRate = o.maxRate;
    this.safetyFactor = o.safetyFactor;
    this.maxPauseMs = o.maxPauseMs;
    this.clock = checked.clock ?? systemClock;
    this.#rate = o.initialRate;
    this.policy = RateLimiterPolicy.create(
      o.name,
      { rate: o.initialRate, periodMs: o.periodMs, burst: o.burst, mode: o.mode, maxWaitMs: o.maxWaitMs },
      checked.store !== undefined ? { clock: this.clock, store: checked.store } : { clock: this.clock },
    );
    this.#bucket = this.policy.bucketFor(EMPTY);
  }

  /** Current rate (tokens per period). */
  get rate(): number {
    return this.#rate;
  }

  /**
   * Takes `options.tokens` (default 1); resolves when admitted. Rejects with
   * `RateLimiterRejectedError` (reject mode, paused, or a wait beyond `maxWaitMs`) or the
   * signal's reason. `options.args` are accepted for the common call shape and unused.
   */
  async acquire(options?: ExecuteOptions): Promise<void> {
    const wait = this.#take(options);
    if (wait !== undefined) await wait;
  }

  /** Takes `options.tokens` (default 1), then runs `fn({ signal, attempt: 1 })`. */
  async execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    const wait = this.#take(options);
    if (wait !== undefined) await wait;
    const signal = options?.signal;
    return await fn(signal === undefined ? NO_SIGNAL : { signal, attempt: 1 });
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
    const previousRate = this.#rate;
    let rate = previousRate;
    const w = info[this.#o.unit];
    let pauseUntil = 0;
    // Headers of a request sent before the one whose response paused us are stale: they change
    // nothing (neither the rate nor the window), unless they themselves refuse (429 / retry-after).
    const stale =
      this.#pausedUntil > now &&
      sent < this.#pauseCause &&
      this.#pauseCause !== Infinity &&
      status !== 429 &&
      info.retryAfterMs === undefined;
    if (stale) return { rate, previousRate, info };
    if (w !== undefined && w.remaining !== undefined) {
      const resetMs = w.resetMs ?? this.#o.defaultResetMs;
      rate = this.rateFor(w.remaining, resetMs);
      if (w.remaining === 0 && resetMs > 0) pauseUntil = now + Math.min(resetMs, this.maxPauseMs);
      this.#lastWindow = w;
      this.#lastUpdateAt = now;
      this.#updates++;
      if (rate !== previousRate) this.#setRate(rate);
    }
    if (status === 429 || info.retryAfterMs !== undefined) {
      const hint = info.retryAfterMs ?? w?.resetMs ?? this.#o.defaultPauseMs;
      pauseUntil = Math.max(pauseUntil, now + Math.min(hint, this.maxPauseMs));
      if (w === undefined || w.remaining === undefined) {
        this.#updates++;
        this.#lastUpdateAt = now;
      }
    }
    const update: AdaptiveUpdate = { rate, previousRate, info };
    if (pauseUntil > now) {
      this.#pauseFor(pauseUntil, sent, now);
      update.pausedUntil = this.#pausedUntil;
    } else if (
      status !== undefined &&
      status >= 200 &&
      status < 300 &&
      w?.remaining !== undefined &&
      w.remaining > 0 &&
      this.#pausedUntil > now &&
      sent >= this.#pauseCause
    ) {
      // Newer headers show capacity: the pause is over.
      this.#pausedUntil = 0;
      this.#pauseCause = 0;
      this.#bucket.resume();
      update.resumed = true;
    }
    if (this.#rateChange.hasListeners && (rate !== previousRate || update.pausedUntil !== undefined || update.resumed))
      this.#rateChange.emit(rateChange(this.name, rate, previousRate, update.pausedUntil, update.resumed, 'headers'));
    return update;
  }

  /**
   * Admits nobody until the clock reaches `untilMs` (epoch ms). Later pauses extend earlier
   * ones. Not capped by `maxPauseMs`, and not ended early by headers.
   */
  pause(untilMs: number): void {
    this.#pauseFor(untilMs, Infinity, this.clock.now());
    if (this.#rateChange.hasListeners)
      this.#rateChange.emit(rateChange(this.name, this.#rate, this.#rate, this.#pausedUntil, undefined, 'pause'));
  }

  /** Sets the rate by hand (clamped to `[minRate, maxRate]`). Returns the rate set. */
  setRate(rate: number): number {
    checkNumber(`${this.#path}.rate`, rate, { min: 0, minExclusive: true, allowInfinity: true });
    const previousRate = this.#rate;
    const r = Math.min(this.maxRate, Math.max(this.minRate, rate));
    this.#setRate(r);
    if (this.#rateChange.hasListeners && r !== previousRate)
      this.#rateChange.emit(rateChange(this.name, r, previousRate, undefined, undefined, 'set-rate'));
    return r;
  }

  /** The rate the formula gives for `remaining` units over `resetMs`, clamped. */
  rateFor(remaining: number, resetMs: number): number {
    const raw = (remaining / Math.max(resetMs, this.#o.minResetMs)) * this.#o.periodMs * this.safetyFactor;
    return Math.min(this.maxRate, Math.max(this.minRate, raw));
  }

  /** State for a status endpoint: current rate, bucket level, pause, last reported window. */
  snapshot(): AdaptiveRateLimiterSnapshot {
    const snap: AdaptiveRateLimiterSnapshot = {
      ...this.policy.snapshot(),
      minRate: this.minRate,
      maxRate: this.maxRate,
      safetyFactor: this.safetyFactor,
      updates: this.#updates,
    };
    if (this.#pausedUntil > this.clock.now()) snap.pausedUntil = this.#pausedUntil;
    if (this.#lastWindow !== undefined) snap.lastWindow = { ...this.#lastWindow };
    if (this.#lastUpdateAt !== undefined) snap.lastUpdateAt = this.#lastUpdateAt;
    return snap;
  }

  #take(options: ExecuteOptions | undefined): Promise<void> | undefined {
    const tokens = options?.tokens ?? 1;
    if (tokens !== 1 && !(typeof tokens === 'number' && tokens > 0 && tokens <= this.#o.burst))
      throw new ResilienceConfigError(`${this.#path}.tokens`, tokens, `a number > 0 and <= burst (${this.#o.burst})`);
    return this.#bucket.acquire(tokens, this.#o.maxWaitMs, options?.signal);
  }

  #setRate(rate: number): void {
    this.#rate = rate;
    this.policy.updateLimit({ rate });
  }

  #pauseFor(untilMs: number, cause: number, now: number): void {
    if (this.#pausedUntil <= now) this.#pauseCause = cause;
    else if (cause > this.#pauseCause) this.#pauseCause = cause;
    if (untilMs > this.#pausedUntil) this.#pausedUntil = untilMs;
    this.policy.pauseUntil(untilMs);
  }
}
