import { systemClock, type Clock } from '../clock.js';
import { checkPolicyDeps } from '../options/validate.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { BreakerStage } from '../pipeline/stages.js';
import { MemoryStore } from '../store/memory-store.js';
import { PartitionMap } from '../store/partitions.js';
import { stateKey } from '../store/state-key.js';
import type { BreakerBackend, ResilienceStore } from '../store/store.js';
import { BreakerEvents } from './circuit-breaker.emitters.js';
import { aggregateSnapshots } from './circuit-breaker.aggregate.js';
import { normalizeCircuitBreakerOptions } from './circuit-breaker.normalize.js';
import type {
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  CircuitStateChange,
  NormalizedCircuitBreakerOptions,
} from './circuit-breaker.options.js';

const memory = new MemoryStore();
const STATE_RANK: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * A named circuit breaker. Its state lives in the store, keyed by the name (and the partition
 * key when `partitionKey` is set), never by instance.
 * @example
 * ```ts
 * const breaker = CircuitBreakerPolicy.create('payments', { failureThreshold: 5, recoveryTimeMs: 30_000 });
 * breaker.onStateChange((e) => log.warn(`${e.policy}: ${e.from} → ${e.to}`));
 * const receipt = await breaker.execute(({ signal }) => psp.charge(order, { signal }));
 * ```
 * @publicApi
 */
export class CircuitBreakerPolicy extends BreakerEvents implements BreakerStage {
  readonly clock: Clock;
  /** Whether an error counts as a failure (`failOn` / `excludeOn`). */
  readonly countsAsFailure: (error: unknown) => boolean;
  private readonly store: ResilienceStore;
  /** What the store's backends are created with: the options, with this policy's state relay. */
  private readonly backendOptions: NormalizedCircuitBreakerOptions;
  private single: BreakerBackend | undefined;
  private readonly partitions: PartitionMap<BreakerBackend> | undefined;
  private manual: 'forceOpen' | 'disable' | undefined;
  private pipeline: Pipeline | undefined;
  /**
   * Validates `options` and `deps` (paths start with `breakers.<name>`, e.g. `breakers.<name>.clock`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: CircuitBreakerOptions = {}, deps: PolicyDeps = {}): CircuitBreakerPolicy {
    return new CircuitBreakerPolicy(name, normalizeCircuitBreakerOptions(options, `breakers.${name}`), deps);
  }

  /** Trusts `options` (already normalized); checks `deps` once. */
  constructor(
    readonly name: string,
    readonly options: NormalizedCircuitBreakerOptions,
    deps: PolicyDeps = {},
  ) {
    super();
    // Checked once here, not per call: a `clock: {}` must fail now, naming the option, not with a TypeError later.
    const checked = checkPolicyDeps(`breakers.${name}`, deps, ['clock', 'store']);
    this.clock = checked.clock ?? systemClock;
    this.store = checked.store ?? memory;
    this.countsAsFailure = options.countsAsFailure;
    this.slowCalls = options.slowCallDurationMs !== Infinity;
    this.measuresDuration = this.slowCalls;
    if (options.onStateChange !== undefined) this.onStateChange(options.onStateChange);
    this.backendOptions = { ...options, onStateChange: this.relayStateChange };
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

  /**
   * Runs `fn` through the breaker. `options.args` select the partition of a partitioned
   * breaker; `options.signal` is handed to `fn` (and refuses the call when already aborted).
   * Rejects with `CircuitBreakerOpenError` while open.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ breaker: this, clock: this.clock })).execute(fn, options);
  }

  /** Hands the store's state changes (the history entries) to the `onStateChange` listeners. */
  private readonly relayStateChange = (change: CircuitStateChange): void => this.emitStateChange(change);

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
    const options = detached ? { ...this.options, onStateChange: undefined, historySize: 0 } : this.backendOptions;
    const backend = this.store.createBreaker({ policy: this.name, partitionKey, key }, options, this.clock);
    if (this.manual !== undefined) backend[this.manual]();
    return backend;
  }

  private aggregate(): CircuitBreakerSnapshot {
    const manual = { disabled: this.manual === 'disable', forcedOpen: this.manual === 'forceOpen' };
    return aggregateSnapshots(this.name, this.state(), manual, this.partitionSnapshots(), this.options.historySize);
  }
}
