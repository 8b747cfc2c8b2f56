import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/errors.js';
import { PartitionMap } from '../../core/store/partitions.js';
import { RateLimiterPolicy, type RateLimiterSnapshot } from '../../core/rate-limiter/rate-limiter.policy.js';
import type { ResilienceStore } from '../../core/store/store.js';
import { checkKnownKeys, checkNumber, optionalEnum, optionalNumber } from '../../core/options/validate.js';

/** Limits of one endpoint: `rate` calls per `periodMs` ms, at most `burst` at once. @publicApi */
export interface EndpointLimit {
  rate: number;
  /** Default: the limiter's default period. */
  periodMs?: number;
  /** Default: `max(1, rate)`. */
  burst?: number;
}

/** Options of an {@link EndpointRateLimiter}. @publicApi */
export interface EndpointRateLimiterOptions {
  /** Name used in errors, snapshots and store keys (policy `<name>:<key>`, store key `limiter:<name>%3A<key>`). Default `endpoints`. */
  name?: string;
  /** Default rate of an endpoint without its own limit. Default 10. */
  rate?: number;
  /** Default period, ms. Default 1000. */
  periodMs?: number;
  /** Default burst. Default `max(1, rate)`. */
  burst?: number;
  /** `wait` (queue FIFO up to `maxWaitMs`) or `reject`. Default `wait`. */
  mode?: 'wait' | 'reject';
  /** Longest wait in `wait` mode, ms. Default 30000. */
  maxWaitMs?: number;
  /** Limits of known endpoints, by key. */
  limits?: Readonly<Record<string, EndpointLimit>>;
  /** Most endpoint buckets kept; idle ones (full, nobody waiting) are evicted first. Default 1000. */
  maxEndpoints?: number;
}

/** Clock and store the buckets run on. @publicApi */
export interface EndpointRateLimiterDeps {
  clock?: Clock;
  store?: ResilienceStore;
}

interface Entry {
  policy: RateLimiterPolicy;
  isIdle(): boolean;
}

const KNOWN = ['name', 'rate', 'periodMs', 'burst', 'mode', 'maxWaitMs', 'limits', 'maxEndpoints'] as const;

/**
 * One token bucket per endpoint key (`"openai:chat"`, a host, a route), created lazily with the
 * default rate or the endpoint's configured limit. Each bucket is a core
 * {@link RateLimiterPolicy} named `<name>:<key>`, so it keeps the core bound (in any window W,
 * admitted ≤ burst + rate × W / period), its FIFO queue, and works on any store (Redis too).
 *
 * `updateRateLimit(key, { rate, periodMs, burst })` changes one endpoint's limits at run time
 * (the bucket's level is clamped to the new burst); the override survives eviction.
 * The number of live buckets is bounded by `maxEndpoints` (idle buckets are dropped first;
 * dropping an idle bucket changes no behaviour, since a new one starts full).
 * @example
 * ```ts
 * const limiter = new EndpointRateLimiter({ rate: 5, limits: { 'openai:chat': { rate: 60, periodMs: 60_000 } } });
 * const reply = await limiter.execute('openai:chat', () => callOpenAI());
 * limiter.updateRateLimit('openai:chat', { rate: 30, periodMs: 60_000 });
 * ```
 * @publicApi
 */
export class EndpointRateLimiter {
  readonly name: string;
  readonly clock: Clock;
  private readonly store: ResilienceStore | undefined;
  private readonly defaults: { rate: number; periodMs: number; burst: number };
  private readonly mode: 'wait' | 'reject';
  private readonly maxWaitMs: number;
  private readonly maxEndpoints: number;
  private readonly overrides = new Map<string, { rate: number; periodMs: number; burst: number }>();
  private readonly buckets: PartitionMap<Entry>;

  constructor(options: EndpointRateLimiterOptions = {}, deps: EndpointRateLimiterDeps = {}) {
    const path = 'endpointRateLimiter';
    if (options === null || typeof options !== 'object')
      throw new ResilienceConfigError(path, options, 'an options object');
    checkKnownKeys(path, options, KNOWN);
    this.name = options.name ?? 'endpoints';
    if (typeof this.name !== 'string' || this.name === '')
      throw new ResilienceConfigError(`${path}.name`, options.name, 'a non-empty string');
    const rate = optionalNumber(`${path}.rate`, options.rate, 10, { min: 0, minExclusive: true });
    const period = optionalNumber(`${path}.periodMs`, options.periodMs, 1000, { min: 0, minExclusive: true });
    const burst = optionalNumber(`${path}.burst`, options.burst, Math.max(1, rate), { min: 0, minExclusive: true });
    this.defaults = { rate, periodMs: period, burst };
    this.mode = optionalEnum(`${path}.mode`, options.mode, ['wait', 'reject'] as const, 'wait');
    this.maxWaitMs =
      this.mode === 'reject'
        ? 0
        : optionalNumber(`${path}.maxWaitMs`, options.maxWaitMs, 30_000, { min: 0, allowInfinity: true });
    this.maxEndpoints = optionalNumber(`${path}.maxEndpoints`, options.maxEndpoints, 1000, { min: 1, integer: true });
    this.clock = deps.clock ?? systemClock;
    this.store = deps.store;
    if (options.limits !== undefined) {
      if (options.limits === null || typeof options.limits !== 'object')
        throw new ResilienceConfigError(`${path}.limits`, options.limits, 'an object of endpoint limits by key');
      for (const [key, limit] of Object.entries(options.limits))
        this.overrides.set(key, this.checkLimit(`${path}.limits.${key}`, limit, this.defaults));
    }
    this.buckets = new PartitionMap<Entry>(this.maxEndpoints, (key) => this.createEntry(key));
  }

  /** The core policy holding `key`'s bucket (created on first use). */
  limiterFor(key: string): RateLimiterPolicy {
    return this.buckets.get(key).policy;
  }

  /** Takes `tokens` (default 1) from `key`'s bucket; resolves when admitted. */
  acquire(key: string, tokens = 1, signal?: AbortSignal): Promise<void> {
    return this.buckets.get(key).policy.acquire([], tokens, signal);
  }

  /** Takes `tokens` (default 1) from `key`'s bucket, then runs `fn`. */
  async execute<T>(
    key: string,
    fn: () => T | Promise<T>,
    opts: { tokens?: number; signal?: AbortSignal } = {},
  ): Promise<Awaited<T>> {
    await this.buckets.get(key).policy.acquire([], opts.tokens ?? 1, opts.signal);
    return await fn();
  }

  /**
   * Changes `key`'s limits at run time. Omitted fields keep their current value, except
   * `burst`, which follows the new rate (`max(1, rate)`) when only `rate` is given. Throws
   * `ResilienceConfigError` (path `<name>.<key>.<field>`) for a non-positive or non-finite value.
   */
  updateRateLimit(key: string, limit: Partial<EndpointLimit>): void {
    const current = this.overrides.get(key) ?? this.defaults;
    const burst = limit.burst ?? (limit.rate === undefined ? current.burst : undefined);
    const next = this.checkLimit(
      `${this.name}.${key}`,
      { rate: limit.rate ?? current.rate, periodMs: limit.periodMs ?? current.periodMs, burst },
      current,
    );
    this.overrides.delete(key);
    this.overrides.set(key, next);
    if (this.overrides.size > this.maxEndpoints) {
      // Bounded: forget the oldest override whose bucket is gone.
      for (const k of this.overrides.keys()) {
        if (this.overrides.size <= this.maxEndpoints) break;
        if (this.buckets.peek(k) === undefined) this.overrides.delete(k);
      }
    }
    this.buckets.peek(key)?.policy.updateLimit(next);
  }

  /** The limits `key` runs with now. */
  limitOf(key: string): { rate: number; periodMs: number; burst: number } {
    return { ...(this.overrides.get(key) ?? this.defaults) };
  }

  /** State of `key`'s bucket (a fresh one is full). */
  snapshot(key: string): RateLimiterSnapshot {
    const e = this.buckets.peek(key);
    if (e !== undefined) return e.policy.snapshot();
    return { name: `${this.name}:${key}`, ...this.limitOf(key), available: this.limitOf(key).burst, waiting: 0 };
  }

  /** Keys with a live bucket. */
  keys(): string[] {
    return [...this.buckets.keys()];
  }

  /** Live buckets. */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops idle buckets now (they are also dropped when `maxEndpoints` is exceeded). Returns how many. */
  sweep(): number {
    return this.buckets.sweep();
  }

  private checkLimit(
    path: string,
    limit: Partial<EndpointLimit> | undefined,
    base: { periodMs: number },
  ): { rate: number; periodMs: number; burst: number } {
    if (limit === null || typeof limit !== 'object')
      throw new ResilienceConfigError(path, limit, 'an object { rate, period?, burst? }');
    const rate = checkNumber(`${path}.rate`, limit.rate, { min: 0, minExclusive: true });
    const period = optionalNumber(`${path}.periodMs`, limit.periodMs, base.periodMs, { min: 0, minExclusive: true });
    const burst = optionalNumber(`${path}.burst`, limit.burst, Math.max(1, rate), { min: 0, minExclusive: true });
    return { rate, periodMs: period, burst };
  }

  private createEntry(key: string): Entry {
    const spec = this.overrides.get(key) ?? this.defaults;
    const deps = this.store !== undefined ? { clock: this.clock, store: this.store } : { clock: this.clock };
    const policy = new RateLimiterPolicy(
      `${this.name}:${key}`,
      {
        rate: spec.rate,
        periodMs: spec.periodMs,
        burst: spec.burst,
        tokens: 1,
        mode: this.mode,
        maxWaitMs: this.maxWaitMs,
        maxPartitions: 1,
      },
      deps,
    );
    const bucket = policy.bucketFor([]);
    return { policy, isIdle: () => bucket.isIdle() };
  }
}
