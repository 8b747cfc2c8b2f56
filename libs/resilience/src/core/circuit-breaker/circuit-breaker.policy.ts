import { systemClock, type Clock } from '../clock.js';
import { MemoryStore } from '../store/memory-store.js';
import { PartitionMap } from '../store/partitions.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { BreakerBackend, ResilienceStore } from '../store/store.js';
import type {
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  NormalizedCircuitBreakerOptions,
} from './circuit-breaker.options.js';
import { normalizeCircuitBreakerOptions } from './circuit-breaker.normalize.js';
import { stateKey } from '../store/state-key.js';
import { checkPolicyDeps } from '../options/validate.js';

/** What a policy runs on: a clock and the store that holds its state. @publicApi */
export interface PolicyDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: in-process memory. */
  store?: ResilienceStore;
}

const memory = new MemoryStore();
const STATE_RANK: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * A named circuit breaker. Its state lives in the store, keyed by the name (and the partition
 * key when `partitionKey` is set), never by instance.
 * @example
 * ```ts
 * const breaker = CircuitBreakerPolicy.create('payments', { failureThreshold: 5, recoveryTimeMs: 30_000 });
 * const receipt = await breaker.execute(() => psp.charge(order));
 * ```
 * @publicApi
 */
export class CircuitBreakerPolicy {
  /** True when calls must be timed (slow-call counting is on). */
  readonly measuresDuration: boolean;
  readonly clock: Clock;
  private readonly store: ResilienceStore;
  private single: BreakerBackend | undefined;
  private readonly partitions: PartitionMap<BreakerBackend> | undefined;
  private manual: 'forceOpen' | 'disable' | undefined;
  private runner: Pipeline | undefined;

  /**
   * Validates `options` and `deps` (paths start with `breakers.<name>`, e.g. `breakers.<name>.clock`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: CircuitBreakerOptions = {}, deps: PolicyDeps = {}): CircuitBreakerPolicy {
    return new CircuitBreakerPolicy(name, normalizeCircuitBreakerOptions(options, `breakers.${name}`), deps);
  }

  constructor(
    readonly name: string,
    readonly options: NormalizedCircuitBreakerOptions,
    deps: PolicyDeps = {},
  ) {
    // Checked once here, not per call: a `clock: {}` must fail now, naming the option, not with a TypeError later.
    const checked = checkPolicyDeps(`breakers.${name}`, deps, ['clock', 'store']);
    this.clock = checked.clock ?? systemClock;
    this.store = checked.store ?? memory;
    this.measuresDuration = options.slowCallDurationMs !== Infinity;
    if (options.partitionKey !== undefined) {
      this.partitions = new PartitionMap(options.maxPartitions, (key) => this.createBackend(key));
    } else {
      this.single = this.createBackend(undefined);
    }
  }

  /** The state machine that decides a call with these arguments (its partition, if partitioned). */
  backendFor(args: readonly unknown[]): BreakerBackend {
    if (this.single !== undefined) return this.single;
    return this.partitions!.get(String(this.options.partitionKey!(...args)));
  }

  /** Runs `fn` through the breaker; `args` select the partition of a partitioned breaker. */
  execute<T>(fn: () => T | Promise<T>, args: readonly unknown[] = []): Promise<Awaited<T>> {
    const run = (this.runner ??= createPipeline({ breaker: this, clock: this.clock }));
    return run(fn, undefined, args);
  }

  /**
   * Effective state of the breaker, or of one partition. Without a key, a partitioned breaker
   * reports its worst partition (`open` > `half_open` > `closed`).
   */
  state(partitionKey?: string): CircuitState {
    if (this.single !== undefined) return this.single.state();
    if (partitionKey !== undefined)
      return this.partitions!.peek(partitionKey)?.state() ?? (this.manual === 'forceOpen' ? 'open' : 'closed');
    let worst: CircuitState = this.manual === 'forceOpen' ? 'open' : 'closed';
    this.partitions!.forEach((b) => {
      const s = b.state();
      if (STATE_RANK[s] > STATE_RANK[worst]) worst = s;
    });
    return worst;
  }

  /** Metrics of the breaker or of one partition (a partition never used reports as closed). */
  snapshot(partitionKey?: string): CircuitBreakerSnapshot {
    if (this.single !== undefined) return this.single.snapshot();
    if (partitionKey !== undefined) {
      const backend = this.partitions!.peek(partitionKey) ?? this.createBackend(partitionKey, true);
      return backend.snapshot();
    }
    return this.aggregate();
  }

  /**
   * One snapshot per breaker: the breaker itself, or each live partition (a partitioned breaker
   * with no live partition reports one snapshot of its own, so it is never left out).
   */
  snapshots(): CircuitBreakerSnapshot[] {
    if (this.single !== undefined) return [this.single.snapshot()];
    const out = this.partitionSnapshots();
    return out.length > 0 ? out : [this.aggregate()];
  }

  private partitionSnapshots(): CircuitBreakerSnapshot[] {
    const out: CircuitBreakerSnapshot[] = [];
    this.partitions!.forEach((b) => out.push(b.snapshot()));
    return out;
  }

  /** Live partitions (0 for an unpartitioned breaker). */
  get partitionCount(): number {
    return this.partitions?.size ?? 0;
  }

  /** Opens the breaker (every partition, and new ones, when no key is given) until `reset()`. */
  forceOpen(partitionKey?: string): void {
    this.control(partitionKey, 'forceOpen');
  }

  /** Closes the breaker and clears its counters (all partitions when no key is given). */
  reset(partitionKey?: string): void {
    this.control(partitionKey, 'reset');
  }

  /** Lets every call through and records nothing until `reset()`. */
  disable(partitionKey?: string): void {
    this.control(partitionKey, 'disable');
  }

  private control(partitionKey: string | undefined, action: 'forceOpen' | 'reset' | 'disable'): void {
    if (this.single !== undefined) {
      this.single[action]();
      return;
    }
    if (partitionKey !== undefined) {
      this.partitions!.get(partitionKey)[action]();
      return;
    }
    this.manual = action === 'reset' ? undefined : action;
    this.partitions!.forEach((b) => b[action]());
  }

  /** `detached`: a throw-away backend for a snapshot, which must not emit state changes. */
  private createBackend(partitionKey: string | undefined, detached = false): BreakerBackend {
    const key = stateKey('breaker', this.name, partitionKey);
    const options = detached ? { ...this.options, onStateChange: undefined, historySize: 0 } : this.options;
    const backend = this.store.createBreaker({ policy: this.name, partitionKey, key }, options, this.clock);
    if (this.manual !== undefined) backend[this.manual]();
    return backend;
  }

  private aggregate(): CircuitBreakerSnapshot {
    const snaps = this.partitionSnapshots();
    const agg: CircuitBreakerSnapshot = {
      name: this.name,
      state: this.state(),
      disabled: this.manual === 'disable',
      forcedOpen: this.manual === 'forceOpen',
      successes: 0,
      failures: 0,
      rejections: 0,
      failureCount: 0,
      retryAfterMs: 0,
      stateChanges: [],
    };
    for (const s of snaps) {
      agg.successes += s.successes;
      agg.failures += s.failures;
      agg.rejections += s.rejections;
      agg.failureCount += s.failureCount;
      if (s.state === agg.state && s.retryAfterMs > agg.retryAfterMs) agg.retryAfterMs = s.retryAfterMs;
      agg.stateChanges.push(...s.stateChanges);
    }
    agg.stateChanges.sort((a, b) => a.at - b.at);
    agg.stateChanges = agg.stateChanges.slice(-this.options.historySize || agg.stateChanges.length);
    if (this.options.historySize === 0) agg.stateChanges = [];
    return agg;
  }
}
