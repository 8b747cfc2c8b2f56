import { systemClock, type Clock } from '../clock.js';
import { RateLimiterRejectedError, ResilienceConfigError } from '../errors/index.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { resolveLane } from '../lanes/lanes.normalize.js';
import { checkPolicyDeps } from '../options/validate.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { LimiterStage } from '../pipeline/stages.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { MemoryStore } from '../store/memory-store.js';
import { PartitionMap } from '../store/partitions.js';
import { stateKey } from '../store/state-key.js';
import type { BucketBackend, BucketSpec, ResilienceStore, SlidingWindowSpec } from '../store/store.js';
import type { LimiterRejectedEvent, LimiterWaitEvent } from './rate-limiter.events.js';
import { checkSettlement, normalizeRateLimiterOptions } from './rate-limiter.normalize.js';
import type { NormalizedRateLimiterOptions, RateLimiterOptions } from './rate-limiter.options.js';
import { limiterSnapshot, type RateLimiterSnapshot } from './rate-limiter.snapshot.js';

export type { RateLimiterSnapshot } from './rate-limiter.snapshot.js';

const memory = new MemoryStore();

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
  /** Priority lanes (the `lanes` option, normalized); absent: one lane. */
  readonly lanes: LanePlan | undefined;
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
    this.lanes = options.lanes;
    // Checked once here, not per call: a `clock: {}` must fail now, naming the option, not with a TypeError later.
    const checked = checkPolicyDeps(`limiters.${name}`, deps, ['clock', 'store']);
    this.clock = checked.clock ?? systemClock;
    this.store = checked.store ?? memory;
    this.current = { rate: options.rate, periodMs: options.periodMs, burst: options.burst };
    // Every bucket (each partition) gets the plan; `updateLimit` keeps it (it spreads `current`).
    if (options.lanes !== undefined) this.current.lanes = options.lanes;
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
   * Lane index of a call with these arguments: `lane` (a call's `ExecuteOptions.lane`), else the
   * `lane` option (a fixed lane, or its function of `args`), else `defaultLane`. 0 without lanes
   * (`lane` is then ignored). Throws `ResilienceConfigError` (`limiters.<name>.lane`) for an
   * unknown lane name.
   */
  laneFor(args: readonly unknown[], lane?: string): number {
    return resolveLane(this.lanes, this.options.lane, args, lane, `limiters.${this.name}`);
  }

  /**
   * Takes tokens (default: `tokensFor(args)`) in the call's lane (see {@link laneFor}). Resolves
   * when admitted; rejects with `RateLimiterRejectedError` (reject mode, or a wait beyond
   * `maxWaitMs`) or the abort reason.
   */
  async acquire(args: readonly unknown[] = [], tokens?: number, signal?: AbortSignal, lane?: string): Promise<void> {
    let laneNo: number | undefined;
    try {
      const n = tokens ?? this.tokensFor(args);
      if (this.lanes !== undefined) laneNo = this.laneFor(args, lane);
      const wait = this.bucketFor(args).acquire(n, this.maxWaitMs, signal, laneNo);
      if (wait !== undefined) {
        this.emitWait(n, laneNo);
        await wait;
      }
    } catch (error) {
      this.emitRejected(error, laneNo);
      throw error;
    }
  }

  /**
   * Settles tokens taken by {@link acquire} (or by `execute`) `heldMs` ago: `reserved` were
   * taken, the call used `actual` (e.g. the usage the provider reported). Less gives the
   * difference back; more is charged now, as debt later calls wait for. `options.args` select the
   * partition and the `lane` option; `options.lane` the lane (as in {@link acquire}). See
   * `BucketBackend.settle`.
   */
  settle(
    reserved: number,
    actual: number,
    heldMs: number,
    options?: { readonly args?: readonly unknown[]; readonly lane?: string },
  ): void {
    checkSettlement(`limiters.${this.name}`, reserved, actual, heldMs);
    const args = options?.args ?? [];
    const laneNo = this.lanes !== undefined ? this.laneFor(args, options?.lane) : undefined;
    this.bucketFor(args).settle(reserved, actual, heldMs, laneNo);
  }

  /**
   * Takes the call's tokens (`options.tokens`, else `tokensFor(options.args)`), then runs `fn`
   * (through `createPipeline({ limiter: this })`). `options.signal` cancels the wait.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ limiter: this, clock: this.clock })).execute(fn, options);
  }

  /** @internal Pipeline hook: emits `limiter.wait`. */
  emitWait(tokens: number, lane?: number): void {
    const e = this.#wait;
    if (e === undefined || !e.hasListeners) return;
    if (lane === undefined || this.lanes === undefined) e.emit({ type: 'limiter.wait', policy: this.name, tokens });
    else e.emit({ type: 'limiter.wait', policy: this.name, tokens, lane: this.lanes.lanes[lane].name });
  }

  /** @internal Pipeline hook: emits `limiter.rejected` for a `RateLimiterRejectedError`. */
  emitRejected(error: unknown, lane?: number): void {
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
    if (lane !== undefined && this.lanes !== undefined) event.lane = this.lanes.lanes[lane].name;
    e.emit(event);
  }

  /** State of the limiter, or of one partition. */
  snapshot(partitionKey?: string): RateLimiterSnapshot {
    return limiterSnapshot(this.name, this.current, this.single, this.partitions, partitionKey);
  }

  /** Changes the limits at run time, for every partition (e.g. from a provider's rate-limit headers). */
  updateLimit(spec: Partial<BucketSpec>): void {
    // The lane plan is fixed at creation (pipelines read it once).
    const next = { ...this.current, ...spec, lanes: this.current.lanes };
    if (next.lanes === undefined) delete next.lanes;
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

  private createBucket(partitionKey: string | undefined): BucketBackend {
    const key = stateKey('limiter', this.name, partitionKey);
    const owner = { policy: this.name, partitionKey, key };
    if (this.options.algorithm !== 'sliding-window') return this.store.createBucket(owner, this.current, this.clock);
    const spec: SlidingWindowSpec = {
      limit: this.current.rate,
      windowMs: this.current.periodMs,
      safetyMarginMs: this.options.safetyMarginMs ?? 0,
    };
    if (this.lanes !== undefined) spec.lanes = this.lanes;
    return this.store.createSlidingWindow!(owner, spec, this.clock);
  }
}
