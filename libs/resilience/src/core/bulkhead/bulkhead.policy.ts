import { systemClock, type Clock } from '../clock.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { BulkheadRejectedError, type BulkheadRejectReason } from '../errors/bulkhead-rejected.error.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import type { BulkheadStage } from '../pipeline/stages.js';
import { BulkheadQueue } from './bulkhead-queue.js';
import type { BulkheadQueuedEvent, BulkheadRejectedEvent } from './bulkhead.events.js';
import { normalizeBulkheadOptions } from './bulkhead.normalize.js';
import type { BulkheadOptions, BulkheadSnapshot, NormalizedBulkheadOptions } from './bulkhead.options.js';

/**
 * A named bulkhead: at most `maxConcurrent` calls run at once, up to `maxQueued` more wait in
 * FIFO order (each at most `maxWaitMs`), and the rest are refused with a transient
 * {@link BulkheadRejectedError}.
 *
 * - A slot that frees goes straight to the head waiter (no barging: a new caller cannot take a
 *   slot a waiter is owed), so waiters are served in arrival order.
 * - A waiter whose signal aborts leaves the queue at once, freeing its place, and rejects with
 *   the signal's reason.
 * - State is per process: a bulkhead guards this process's resources (sockets, pool
 *   connections, memory), so it is never shared through a store; a `store` in `deps` is ignored.
 * @example
 * ```ts
 * const bulkhead = BulkheadPolicy.create('db', { maxConcurrent: 10, maxQueued: 100 });
 * const rows = await bulkhead.execute(() => pool.query(sql));
 * ```
 * @publicApi
 */
export class BulkheadPolicy implements BulkheadStage {
  readonly clock: Clock;
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  readonly maxWaitMs: number;
  private pipeline: Pipeline | undefined;
  private inFlight = 0;
  private readonly queue: BulkheadQueue;
  // Created on the first read of `onRejected` / `onQueued` (an idle bulkhead holds no emitter).
  #rejected: EventEmitter<BulkheadRejectedEvent> | undefined = undefined;
  #queued: EventEmitter<BulkheadQueuedEvent> | undefined = undefined;

  /** Subscribes to refusals (`{ type: 'bulkhead.rejected', policy, reason, inFlight, queued }`). */
  get onRejected(): Event<BulkheadRejectedEvent> {
    return (this.#rejected ??= new EventEmitter()).subscribe;
  }

  /** Subscribes to calls that have to wait for a slot (`{ type: 'bulkhead.queued', policy, queued }`). */
  get onQueued(): Event<BulkheadQueuedEvent> {
    return (this.#queued ??= new EventEmitter()).subscribe;
  }

  /**
   * Validates `options` and `deps` (paths start with `bulkheads.<name>`, e.g. `bulkheads.<name>.maxConcurrent`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: BulkheadOptions, deps: PolicyDeps = {}): BulkheadPolicy {
    return new BulkheadPolicy(name, normalizeBulkheadOptions(options, `bulkheads.${name}`), deps);
  }

  /** Trusts `options` (already normalized); checks `deps` once (`bulkheads.<name>.clock`). */
  constructor(
    readonly name: string,
    readonly options: NormalizedBulkheadOptions,
    deps: PolicyDeps = {},
  ) {
    this.clock = checkPolicyDeps(`bulkheads.${name}`, deps, ['clock']).clock ?? systemClock;
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueued = options.maxQueued;
    this.maxWaitMs = options.maxWaitMs;
    this.queue = new BulkheadQueue(this.clock, options.maxWaitMs, () => this.rejection('wait-timeout'));
  }

  /**
   * Takes a slot: `undefined` at once when one is free (nothing allocated), else a promise that
   * resolves once a slot is handed over. Throws `BulkheadRejectedError` (`queue-full`) when the
   * queue is full, and the signal's reason when the signal has already aborted; the promise
   * rejects with `BulkheadRejectedError` (`wait-timeout`) after `maxWaitMs`, or with the signal's
   * reason when it aborts meanwhile. Once `enter` returned `undefined` or its promise resolved,
   * the caller holds the slot and must call {@link leave} exactly once (also if it then gives up).
   */
  enter(signal?: AbortSignal): Promise<void> | undefined {
    // Slots are handed to waiters directly, so a free slot means nobody waits.
    if (this.inFlight < this.maxConcurrent) {
      this.inFlight++;
      return undefined;
    }
    if (signal !== undefined && signal.aborted) throw signal.reason;
    if (this.queue.size >= this.maxQueued) throw this.rejection('queue-full');
    const admitted = this.queue.push(signal);
    const queued = this.#queued;
    if (queued !== undefined && queued.hasListeners)
      queued.emit({ type: 'bulkhead.queued', policy: this.name, queued: this.queue.size });
    return admitted;
  }

  /** Gives back a slot taken by {@link enter}: to the head waiter if anyone waits, else to the pool. */
  leave(): void {
    if (this.queue.handOff()) return;
    if (this.inFlight > 0) this.inFlight--;
  }

  /** Calls holding a slot and calls waiting, now (this process). */
  snapshot(): BulkheadSnapshot {
    return {
      name: this.name,
      inFlight: this.inFlight,
      queued: this.queue.size,
      maxConcurrent: this.maxConcurrent,
      maxQueued: this.maxQueued,
    };
  }

  private rejection(reason: BulkheadRejectReason): BulkheadRejectedError {
    const e = this.#rejected;
    if (e !== undefined && e.hasListeners)
      e.emit({
        type: 'bulkhead.rejected',
        policy: this.name,
        reason,
        inFlight: this.inFlight,
        queued: this.queue.size,
      });
    return new BulkheadRejectedError(this.name, reason, this.maxConcurrent, this.maxQueued);
  }

  /**
   * Runs `fn({ signal, attempt })` in a slot, queuing for one when all are taken; rejects with
   * `BulkheadRejectedError` when refused, or with `options.signal`'s reason when it aborts while
   * queued. The slot is given back when `fn` settles.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ bulkhead: this, clock: this.clock })).execute(fn, options);
  }
}
