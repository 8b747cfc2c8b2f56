import { systemClock, type Clock } from '../clock.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { BulkheadRejectedError, type BulkheadRejectReason } from '../errors/bulkhead-rejected.error.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import type { BulkheadStage } from '../pipeline/stages.js';
import type { LanePlan } from '../lanes/lane-plan.js';
import { resolveLane } from '../lanes/lanes.normalize.js';
import { LaneBulkhead } from './bulkhead-lanes.js';
import { BulkheadQueue, type BulkheadWaiter } from './bulkhead-queue.js';
import type { BulkheadQueuedEvent, BulkheadRejectedEvent } from './bulkhead.events.js';
import { normalizeBulkheadOptions } from './bulkhead.normalize.js';
import {
  BULKHEAD_DEFAULT_LANE,
  type BulkheadOptions,
  type BulkheadSnapshot,
  type NormalizedBulkheadOptions,
} from './bulkhead.options.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A named bulkhead: at most `maxConcurrent` calls run at once, up to `maxQueued` more wait in
 * FIFO order (each at most `maxWaitMs`), and the rest are refused with a transient
 * {@link BulkheadRejectedError}.
 *
 * - A slot that frees goes straight to the head waiter (no barging: a new caller cannot take a
 *   slot a waiter is owed), so waiters are served in arrival order.
 * - A waiter whose signal aborts leaves the queue at once, freeing its place, and rejects with
 *   the signal's reason.
 * - With `lanes`, callers of higher lanes get freed slots first (FIFO within a lane, aging by
 *   `laneAgingMs`), a lane holds at most `max(1, floor(maxConcurrent × maxShare))` slots, and
 *   the `reserve` of a lane keeps `ceil(reserve × maxConcurrent)` slots that lanes below it never
 *   take; `maxQueued` bounds the waiters of all lanes together.
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
  /** The slots and queues by lane; undefined without `lanes` (then `inFlight` and `queue` serve). */
  private readonly laned: LaneBulkhead | undefined;
  private readonly path: string;
  /** The priority lanes (`options.lanes`); undefined without lanes. */
  readonly lanes: LanePlan | undefined;
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
    this.path = `bulkheads.${name}`;
    this.lanes = options.lanes;
    const expired = () => this.rejection('wait-timeout');
    this.queue = new BulkheadQueue(this.clock, options.maxWaitMs, expired);
    this.laned =
      options.lanes === undefined
        ? undefined
        : new LaneBulkhead(this.clock, options.lanes, options.maxConcurrent, options.maxWaitMs, (lane) =>
            this.rejection('wait-timeout', lane),
          );
  }

  /**
   * The lane index of a call: `lane` (a lane name, e.g. `ExecuteOptions.lane`) when given, else the
   * `lane` option (a name, or a function of `args`), else `defaultLane`; 0 without lanes. Throws
   * `ResilienceConfigError` (naming `bulkheads.<name>.lane` and the known lanes) for an unknown name.
   */
  laneFor(args: readonly unknown[], lane?: string): number {
    return resolveLane(this.options.lanes, this.options.lane, args, lane, this.path);
  }

  /**
   * Takes a slot: `undefined` at once when one is free (nothing allocated), else a promise that
   * resolves once a slot is handed over. Throws `BulkheadRejectedError` (`queue-full`) when the
   * queue is full, and the signal's reason when the signal has already aborted; the promise
   * rejects with `BulkheadRejectedError` (`wait-timeout`) after `maxWaitMs`, or with the signal's
   * reason when it aborts meanwhile. Once `enter` returned `undefined` or its promise resolved,
   * the caller holds the slot and must call {@link leave} exactly once (also if it then gives up).
   * `lane` is a lane index from {@link laneFor} (default: `defaultLane`; ignored without lanes).
   */
  enter(signal?: AbortSignal, lane?: number): Promise<void> | undefined {
    if (this.laned === undefined) {
      // Slots are handed to waiters directly, so a free slot means nobody waits.
      if (this.inFlight < this.maxConcurrent) {
        this.inFlight++;
        return undefined;
      }
    } else if (this.laned.tryTake(this.checkLane(lane))) return undefined;
    return this.wait(signal, lane).promise;
  }

  /**
   * Like {@link enter}, without a signal: `undefined` when a slot was free (the caller holds it),
   * else the queued {@link BulkheadWaiter}, whose `cancel(reason)` withdraws it at once (its place
   * is freed, its promise rejects with `reason`). Nothing is allocated beyond the queue's own node.
   * Throws `BulkheadRejectedError` (`queue-full`) when the queue is full.
   */
  enterCancellable(lane?: number): BulkheadWaiter | undefined {
    if (this.laned === undefined) {
      if (this.inFlight < this.maxConcurrent) {
        this.inFlight++;
        return undefined;
      }
    } else if (this.laned.tryTake(this.checkLane(lane))) return undefined;
    return this.wait(undefined, lane);
  }

  /** Gives back a slot taken by {@link enter}, in the same `lane`: to the next waiter if one may run, else to the pool. */
  leave(lane?: number): void {
    if (this.laned !== undefined) return this.laned.release(this.checkLane(lane));
    if (this.queue.handOff()) return;
    if (this.inFlight > 0) this.inFlight--;
  }

  private wait(signal: AbortSignal | undefined, lane: number | undefined): BulkheadWaiter {
    if (signal !== undefined && signal.aborted) throw signal.reason;
    const laned = this.laned;
    if ((laned === undefined ? this.queue.size : laned.size) >= this.maxQueued)
      throw this.rejection('queue-full', laned === undefined ? undefined : (lane ?? this.options.lanes!.defaultLane));
    const laneNo = laned === undefined ? -1 : (lane ?? this.options.lanes!.defaultLane);
    const w = laned === undefined ? this.queue.push(signal) : laned.push(laneNo, signal);
    const queued = this.#queued;
    if (queued !== undefined && queued.hasListeners) {
      const event: Mutable<BulkheadQueuedEvent> = {
        type: 'bulkhead.queued',
        policy: this.name,
        queued: this.queuedCount(),
      };
      if (laneNo >= 0) event.lane = this.options.lanes!.lanes[laneNo]!.name;
      queued.emit(event);
    }
    return w;
  }

  /** `lane`, or the default lane; a lane index must be one of the policy's lanes. */
  private checkLane(lane: number | undefined): number {
    const plan = this.options.lanes!;
    if (lane === undefined) return plan.defaultLane;
    if (plan.lanes[lane] === undefined || !Number.isInteger(lane))
      throw new RangeError(`${this.path}: lane index ${String(lane)} is not one of 0..${plan.lanes.length - 1}`);
    return lane;
  }

  private queuedCount(): number {
    return this.laned === undefined ? this.queue.size : this.laned.size;
  }

  /** Calls holding a slot and calls waiting, in all and by lane, and each lane's oldest wait, now (this process). O(lanes). */
  snapshot(): BulkheadSnapshot {
    const now = this.clock.now();
    const laned = this.laned;
    const queuedByLane: Record<string, number> = {};
    const inFlightByLane: Record<string, number> = {};
    const oldestWaitMs: Record<string, number> = {};
    if (laned === undefined) {
      queuedByLane[BULKHEAD_DEFAULT_LANE] = this.queue.size;
      inFlightByLane[BULKHEAD_DEFAULT_LANE] = this.inFlight;
      oldestWaitMs[BULKHEAD_DEFAULT_LANE] = this.queue.oldestWaitMs(now);
    } else
      this.options.lanes!.lanes.forEach(({ name }, i) => {
        queuedByLane[name] = laned.sizeBy[i]!;
        inFlightByLane[name] = laned.inFlightBy[i]!;
        oldestWaitMs[name] = laned.oldestWaitMs(i, now);
      });
    return {
      name: this.name,
      inFlight: this.inFlightCount(),
      queued: this.queuedCount(),
      maxConcurrent: this.maxConcurrent,
      maxQueued: this.maxQueued,
      queuedByLane,
      inFlightByLane,
      oldestWaitMs,
    };
  }

  private inFlightCount(): number {
    return this.laned === undefined ? this.inFlight : this.laned.inFlight;
  }

  private rejection(reason: BulkheadRejectReason, lane?: number): BulkheadRejectedError {
    const e = this.#rejected;
    if (e !== undefined && e.hasListeners) {
      const event: Mutable<BulkheadRejectedEvent> = {
        type: 'bulkhead.rejected',
        policy: this.name,
        reason,
        inFlight: this.inFlightCount(),
        queued: this.queuedCount(),
      };
      if (lane !== undefined) event.lane = this.options.lanes!.lanes[lane]!.name;
      e.emit(event);
    }
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
