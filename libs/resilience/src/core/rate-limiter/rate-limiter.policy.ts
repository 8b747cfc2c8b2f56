import { systemClock, type Clock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { LimiterStage } from '../pipeline/stages.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { MemoryStore } from '../store/memory-store.js';
import { PartitionMap } from '../store/partitions.js';
import { stateKey } from '../store/state-key.js';
import type { BucketBackend, BucketSpec, ResilienceStore } from '../store/store.js';
import type { LimiterRejectedEvent, LimiterWaitEvent } from './rate-limiter.events.js';
import { normalizeRateLimiterOptions } from './rate-limiter.normalize.js';
import type { NormalizedRateLimiterOptions, RateLimiterOptions } from './rate-limiter.options.js';

const memory = new MemoryStore();

/** State of a limiter (or one partition). @publicApi */
export interface RateLimiterSnapshot {
  name: string;
  partitionKey?: string;
  rate: number;
  periodMs: number;
  burst: number;
  /** Tokens available now, minus those waiting callers queued for (negative while they wait). */
  available: number;
  /** Callers waiting. */
  waiting: number;
  /** Live partitions (partitioned limiters, aggregate snapshot only). */
  partitions?: number;
}

/**
 * A named rate limiter: a token bucket, or a sliding window (`algorithm: 'sliding-window'`:
 * at most `rate` tokens in any window of `periodMs` ms). State lives in the store, keyed by the name (and the
 * partition key), never by instance.
 * @example
 * ```ts
 * const limiter = RateLimiterPolicy.create('partner-api', { rate: 10, periodMs: 1000 });
 * limiter.onRejected((e) => metrics.increment('limited', { policy: e.policy }));
 * const data = await limiter.execute(() => partner.fetch(id));
 * ```
 * @publicApi
 */
export class RateLimiterPolicy implements LimiterStage {
  readonly clock: Clock;
  /** Longest wait for tokens, ms (0 in `reject` mode). */
  readonly maxWaitMs: number;
  private readonly store: ResilienceStore;
  private current: BucketSpec;
  private single: BucketBackend | undefined;
  private readonly partitions: PartitionMap<BucketBackend> | undefined;
  private pipeline: Pipeline | undefined;
  // Created on the first read of `onWait` / `onRejected` (an idle limiter holds no emitter).
  #wait: EventEmitter<LimiterWaitEvent> | undefined = undefined;
  #rejected: EventEmitter<LimiterRejectedEvent> | undefined = undefined;

  /** Subscribes to calls that wait for their tokens (`limiter.wait`). */
  get onWait(): Event<LimiterWaitEvent> {
    return (this.#wait ??= new EventEmitter()).subscribe;
  }

  /** Subscribes to refused calls (`limiter.rejected`, with the `RateLimiterRejectedError`). */
  get onRejected(): Event<LimiterRejectedEvent> {
    return (this.#rejected ??= new EventEmitter()).subscribe;
  }

  /**
   * Validates `options` and `deps` (paths start with `limiters.<name>`, e.g. `limiters.<name>.store`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: RateLimiterOptions, deps: PolicyDeps = {}): RateLimiterPolicy {
    return new RateLimiterPolicy(name, normalizeRateLimiterOptions(options, `limiters.${name}`), deps);
  }

  /** Trusts `options` (already normalized); checks `deps` once. */
  constructor(
    readonly name: string,
    readonly options: NormalizedRateLimiterOptions,
    deps: PolicyDeps = {},
  ) {
    this.maxWaitMs = options.maxWaitMs;
    // Checked once here, not per call: a `clock: {}` must fail now, naming the option, not with a TypeError later.
    const checked = checkPolicyDeps(`limiters.${name}`, deps, ['clock', 'store']);
    this.clock = checked.clock ?? systemClock;
    this.store = checked.store ?? memory;
    this.current = { rate: options.rate, periodMs: options.periodMs, burst: options.burst };
    if (options.algorithm === 'sliding-window' && this.store.createSlidingWindow === undefined) {
      throw new ResilienceConfigError(
        `limiters.${name}.algorithm`,
        'sliding-window',
        `a store that holds sliding windows (the ${this.store.kind} store has none)`,
      );
    }
    if (options.partitionKey !== undefined) {
      this.partitions = new PartitionMap(options.maxPartitions, (key) => this.createBucket(key));
    } else {
      this.single = this.createBucket(undefined);
    }
  }

  /** The bucket a call with these arguments draws from (its partition, if partitioned). */
  bucketFor(args: readonly unknown[]): BucketBackend {
    if (this.single !== undefined) return this.single;
    return this.partitions!.get(String(this.options.partitionKey!(...args)));
  }

  /** Tokens a call with these arguments takes. */
  tokensFor(args: readonly unknown[]): number {
    const t = this.options.tokens;
    if (typeof t === 'number') return t;
    const n = t(...args);
    if (typeof n !== 'number' || !(n > 0) || n > this.current.burst) {
      throw new ResilienceConfigError(
        `limiters.${this.name}.tokens`,
        n,
        `a number > 0 and <= burst (${this.current.burst}) returned by the tokens function`,
      );
    }
    return n;
  }

  /**
   * Takes tokens (default: `tokensFor(args)`). Resolves when admitted; rejects with
   * `RateLimiterRejectedError` (reject mode, or a wait beyond `maxWaitMs`) or the abort reason.
   */
  async acquire(args: readonly unknown[] = [], tokens?: number, signal?: AbortSignal): Promise<void> {
    const n = tokens ?? this.tokensFor(args);
    try {
      const wait = this.bucketFor(args).acquire(n, this.maxWaitMs, signal);
      if (wait !== undefined) {
        this.emitWait(n);
        await wait;
      }
    } catch (error) {
      this.emitRejected(error);
      throw error;
    }
  }

  /**
   * Takes the call's tokens (`options.tokens`, else `tokensFor(options.args)`), then runs `fn`
   * (through `createPipeline({ limiter: this })`). `options.signal` cancels the wait.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ limiter: this, clock: this.clock })).execute(fn, options);
  }

  /** @internal Pipeline hook: emits `limiter.wait`. */
  emitWait(tokens: number): void {
    const e = this.#wait;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'limiter.wait', policy: this.name, tokens });
  }

  /** @internal Pipeline hook: emits `limiter.rejected` for a `RateLimiterRejectedError`. */
  emitRejected(error: unknown): void {
    const e = this.#rejected;
    if (e === undefined || !e.hasListeners || !(error instanceof RateLimiterRejectedError)) return;
    const event: { -readonly [K in keyof LimiterRejectedEvent]: LimiterRejectedEvent[K] } = {
      type: 'limiter.rejected',
      policy: this.name,
      tokens: error.tokens,
      retryAfterMs: error.retryAfterMs,
      error,
    };
    if (error.partitionKey !== undefined) event.partitionKey = error.partitionKey;
    e.emit(event);
  }

  /** State of the limiter, or of one partition. */
  snapshot(partitionKey?: string): RateLimiterSnapshot {
    const spec = this.current;
    if (this.single !== undefined) return this.describe(this.single, undefined);
    if (partitionKey !== undefined) {
      const b = this.partitions!.peek(partitionKey);
      return b
        ? this.describe(b, partitionKey)
        : { name: this.name, partitionKey, ...spec, available: spec.burst, waiting: 0 };
    }
    let waiting = 0;
    this.partitions!.forEach((b) => (waiting += b.waiting()));
    return { name: this.name, ...spec, available: spec.burst, waiting, partitions: this.partitions!.size };
  }

  /** Changes the limits at run time, for every partition (e.g. from a provider's rate-limit headers). */
  updateLimit(spec: Partial<BucketSpec>): void {
    const next = { ...this.current, ...spec };
    // A sliding window admits its limit at once: its burst is always its rate.
    if (this.options.algorithm === 'sliding-window') next.burst = next.rate;
    for (const k of ['rate', 'periodMs', 'burst'] as const) {
      if (!(typeof next[k] === 'number' && next[k] > 0 && Number.isFinite(next[k]))) {
        throw new ResilienceConfigError(`limiters.${this.name}.${k}`, next[k], 'a finite number > 0');
      }
    }
    this.current = next;
    if (this.single !== undefined) this.single.setSpec(next);
    else this.partitions!.forEach((b) => b.setSpec(next));
  }

  /** Admits nobody (in this partition, or in all) until the clock reaches `untilMs`. */
  pauseUntil(untilMs: number, partitionKey?: string): void {
    if (this.single !== undefined) this.single.pauseUntil(untilMs);
    else if (partitionKey !== undefined) this.partitions!.get(partitionKey).pauseUntil(untilMs);
    else this.partitions!.forEach((b) => b.pauseUntil(untilMs));
  }

  /** Live partitions (0 for an unpartitioned limiter). */
  get partitionCount(): number {
    return this.partitions?.size ?? 0;
  }

  private describe(b: BucketBackend, partitionKey: string | undefined): RateLimiterSnapshot {
    const snap: RateLimiterSnapshot = { name: this.name, ...b.spec(), available: b.available(), waiting: b.waiting() };
    if (partitionKey !== undefined) snap.partitionKey = partitionKey;
    return snap;
  }

  private createBucket(partitionKey: string | undefined): BucketBackend {
    const key = stateKey('limiter', this.name, partitionKey);
    const owner = { policy: this.name, partitionKey, key };
    if (this.options.algorithm !== 'sliding-window') return this.store.createBucket(owner, this.current, this.clock);
    const spec = {
      limit: this.current.rate,
      windowMs: this.current.periodMs,
      safetyMarginMs: this.options.safetyMarginMs ?? 0,
    };
    return this.store.createSlidingWindow!(owner, spec, this.clock);
  }
}
