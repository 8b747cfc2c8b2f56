import { systemClock, type Clock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { checkPolicyDeps } from '../../core/options/validate.js';
import type { ExecuteContext, ExecuteFn } from '../../core/policy/execute-options.js';
import { RateLimiterPolicy, type RateLimiterSnapshot } from '../../core/rate-limiter/rate-limiter.policy.js';
import { PartitionMap } from '../../core/store/partitions.js';
import type { BucketBackend, ResilienceStore } from '../../core/store/store.js';
import { normalizeEndpointLimit, normalizeEndpointRateLimiterOptions } from './endpoint-rate-limiter.normalize.js';
import type {
  EndpointExecuteOptions,
  EndpointLimit,
  EndpointRateLimiterDeps,
  EndpointRateLimiterOptions,
  NormalizedEndpointLimit,
  NormalizedEndpointRateLimiterOptions,
} from './endpoint-rate-limiter.options.js';

interface Entry {
  policy: RateLimiterPolicy;
  bucket: BucketBackend;
  isIdle(): boolean;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
const NO_SIGNAL: ExecuteContext = Object.freeze({ signal: undefined, attempt: 1 });

/**
 * One token bucket per endpoint key (`"openai:chat"`, a host, a route), created lazily with the
 * default rate or the endpoint's configured limit. Each bucket is a core
 * {@link RateLimiterPolicy} named `<name>:<key>`, so it keeps the core bound (in any window W,
 * admitted ≤ burst + rate × W / period), its FIFO queue, and works on any store (Redis too).
 *
 * The key of a call is part of its options: `execute(fn, { key, signal?, tokens? })` and
 * `acquire({ key, ... })`, the common call shape plus `key`.
 * `updateRateLimit(key, { rate, periodMs, burst })` changes one endpoint's limits at run time
 * (the bucket's level is clamped to the new burst); the override survives eviction.
 * The number of live buckets is bounded by `maxEndpoints` (idle buckets are dropped first;
 * dropping an idle bucket changes no behaviour, since a new one starts full).
 * @example
 * ```ts
 * const limiter = new EndpointRateLimiter({ rate: 5, limits: { 'openai:chat': { rate: 60, periodMs: 60_000 } } });
 * const reply = await limiter.execute(({ signal }) => callOpenAI({ signal }), { key: 'openai:chat', signal });
 * limiter.updateRateLimit('openai:chat', { rate: 30, periodMs: 60_000 });
 * ```
 * @publicApi
 */
export class EndpointRateLimiter {
  readonly name: string;
  readonly clock: Clock;
  readonly #o: NormalizedEndpointRateLimiterOptions;
  /** Path of this limiter's options in errors: `endpointLimiters.<name>`. */
  readonly #path: string;
  readonly #store: ResilienceStore | undefined;
  /** Limits by key: the configured ones, then run-time overrides (bounded by `maxEndpoints`). */
  readonly #overrides: Map<string, NormalizedEndpointLimit>;
  readonly #buckets: PartitionMap<Entry>;

  /** Validates `options` (`ResilienceConfigError` under `endpointLimiters.<name>`) and `deps`. */
  constructor(options: EndpointRateLimiterOptions = {}, deps: EndpointRateLimiterDeps = {}) {
    const o = normalizeEndpointRateLimiterOptions(options);
    this.#o = o;
    this.#path = `endpointLimiters.${o.name}`;
    const checked = checkPolicyDeps(this.#path, deps, ['clock', 'store']);
    this.name = o.name;
    this.clock = checked.clock ?? systemClock;
    this.#store = checked.store;
    this.#overrides = new Map(o.limits);
    this.#buckets = new PartitionMap<Entry>(o.maxEndpoints, (key) => this.#createEntry(key));
  }

  /**
   * Takes `options.tokens` (default 1) from the bucket of `options.key`; resolves when
   * admitted. Rejects with `RateLimiterRejectedError` (reject mode, or a wait beyond
   * `maxWaitMs`) or the signal's reason.
   */
  async acquire(options: EndpointExecuteOptions): Promise<void> {
    const wait = this.#take(options);
    if (wait !== undefined) await wait;
  }

  /** Takes the tokens from the bucket of `options.key`, then runs `fn({ signal, attempt: 1 })`. */
  async execute<T>(fn: ExecuteFn<T>, options: EndpointExecuteOptions): Promise<Awaited<T>> {
    const wait = this.#take(options);
    if (wait !== undefined) await wait;
    const signal = options.signal;
    return await fn(signal === undefined ? NO_SIGNAL : { signal, attempt: 1 });
  }

  /**
   * Changes `key`'s limits at run time. Omitted fields keep their current value, except
   * `burst`, which follows the new rate (`max(1, rate)`) when only `rate` is given. Throws
   * `ResilienceConfigError` (path `endpointLimiters.<name>.limits.<key>.<field>`) for a
   * non-positive or non-finite value.
   */
  updateRateLimit(key: string, limit: Partial<EndpointLimit>): void {
    const current = this.#overrides.get(key) ?? this.#o.defaults;
    const path = `${this.#path}.limits.${key}`;
    if (limit === null || typeof limit !== 'object')
      throw new ResilienceConfigError(path, limit, 'an object { rate?, periodMs?, burst? }');
    const burst = limit.burst ?? (limit.rate === undefined ? current.burst : undefined);
    const next = normalizeEndpointLimit(
      path,
      { rate: limit.rate ?? current.rate, periodMs: limit.periodMs ?? current.periodMs, burst },
      current.periodMs,
    );
    this.#overrides.delete(key);
    this.#overrides.set(key, next);
    if (this.#overrides.size > this.#o.maxEndpoints) {
      // Bounded: forget the oldest override whose bucket is gone.
      for (const k of this.#overrides.keys()) {
        if (this.#overrides.size <= this.#o.maxEndpoints) break;
        if (this.#buckets.peek(k) === undefined) this.#overrides.delete(k);
      }
    }
    this.#buckets.peek(key)?.policy.updateLimit(next);
  }

  /** The limits `key` runs with now. */
  limitOf(key: string): NormalizedEndpointLimit {
    return { ...(this.#overrides.get(key) ?? this.#o.defaults) };
  }

  /** State of `key`'s bucket (a fresh one is full). */
  snapshot(key: string): RateLimiterSnapshot {
    const e = this.#buckets.peek(key);
    if (e !== undefined) return e.policy.snapshot();
    const limit = this.limitOf(key);
    return { name: `${this.name}:${key}`, ...limit, available: limit.burst, waiting: 0 };
  }

  /** Keys with a live bucket. */
  keys(): string[] {
    return [...this.#buckets.keys()];
  }

  /** Live buckets. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Drops idle buckets now (they are also dropped when `maxEndpoints` is exceeded). Returns how many. */
  sweep(): number {
    return this.#buckets.sweep();
  }

  #take(options: EndpointExecuteOptions): Promise<void> | undefined {
    const key = options?.key;
    if (typeof key !== 'string')
      throw new ResilienceConfigError(`${this.#path}.key`, key, 'the endpoint key of the call (options.key)');
    const entry = this.#buckets.get(key);
    const tokens = options.tokens ?? 1;
    if (tokens !== 1 && !(typeof tokens === 'number' && tokens > 0 && tokens <= entry.bucket.spec().burst))
      throw new ResilienceConfigError(`${this.#path}.tokens`, tokens, "a number > 0 and <= the endpoint's burst");
    return entry.bucket.acquire(tokens, this.#o.maxWaitMs, options.signal);
  }

  #createEntry(key: string): Entry {
    const spec = this.#overrides.get(key) ?? this.#o.defaults;
    const policy = RateLimiterPolicy.create(
      `${this.name}:${key}`,
      { ...spec, mode: this.#o.mode, maxWaitMs: this.#o.maxWaitMs },
      this.#store !== undefined ? { clock: this.clock, store: this.#store } : { clock: this.clock },
    );
    const bucket = policy.bucketFor(EMPTY);
    return { policy, bucket, isIdle: () => bucket.isIdle() };
  }
}
