import type { BulkheadPolicy } from '../core/bulkhead/bulkhead.policy.js';
import { isBulkheadRejectedError } from '../core/errors/bulkhead-rejected.error.js';
import { ResilienceConfigError } from '../core/errors/config.error.js';
import { EventEmitter, type Event } from '../core/events/event-emitter.js';
import type { Clock } from '../core/clock.js';
import type { RateLimiterPolicy } from '../core/rate-limiter/rate-limiter.policy.js';
import { runAttempts, type AttemptDeps, type AttemptHost } from './executor-attempt.js';
import { composeExecutor, executorSnapshot } from './executor-compose.js';
import { laneIndexOf, normalizeExecutorOptions } from './executor.normalize.js';
import type {
  DispatchGate,
  ExecutorDeps,
  ExecutorOptions,
  ExecutorSnapshot,
  ExecutorTask,
  NormalizedExecutorOptions,
  SubmitOptions,
} from './executor.options.js';
import { ExecutorQueueFullError } from './errors/executor-queue-full.error.js';
import { ExecutorStoppedError } from './errors/executor-stopped.error.js';
import { NetworkRequestEvent, type EventOwner, type RequestStatusChange } from './network-request-event.js';
import { abortReason, linkSignal, LiveEvents } from './live-events.js';
import { PendingQueue } from './pending-queue.js';
import { isTerminalStatus, RequestStatus } from './request-status.js';

const NO_OPTIONS: SubmitOptions<unknown> = Object.freeze({});

/**
 * Runs tasks (API calls) under a concurrency limit, a requests limit and an API-tokens limit,
 * with priority lanes, retries and a breaker, composed from the core's policies: a
 * `BulkheadPolicy` is the queue (`<name>.queue`), two `RateLimiterPolicy` the limits
 * (`<name>.requests`, `<name>.tokens`; shared across replicas on a Redis store).
 * `submit()` returns a {@link NetworkRequestEvent} at once; every event reaches a terminal state.
 * @example
 * ```ts
 * const executor = Executor.create('openai', { concurrencyLimit: 8, requestsRate: 50, apiTokensRate: 90_000 });
 * const event = executor.submit(({ signal }) => fetch(url, { signal }), { tokens: 1200 });
 * const response = await event.result();
 * ```
 * @publicApi
 */
export class Executor implements EventOwner, AttemptHost {
  readonly clock: Clock;
  readonly logLimit: number;
  readonly queue: BulkheadPolicy;
  readonly requestsLimiter: RateLimiterPolicy;
  readonly tokensLimiter: RateLimiterPolicy | undefined;
  readonly #o: NormalizedExecutorOptions;
  readonly #attempt: AttemptDeps;
  readonly #pending: PendingQueue;
  readonly #live = new LiveEvents();
  readonly #status = new EventEmitter<RequestStatusChange>();
  readonly #defaultLane: number;
  readonly #defaultLaneName: string;
  #running = 0;
  #seq = 0;
  #stopped = false;
  #drained: (() => void) | undefined = undefined;
  #drainPromise: Promise<void> | undefined = undefined;

  /** Subscribes to every event's status changes. */
  readonly onStatus: Event<RequestStatusChange> = this.#status.subscribe;

  /** Validates `options` (`ResilienceConfigError` naming `executors.<name>.<option>`) and creates the executor. */
  static create(name: string, options: ExecutorOptions, deps: ExecutorDeps = {}): Executor {
    return new Executor(name, normalizeExecutorOptions(name, options), deps);
  }

  constructor(
    readonly name: string,
    options: NormalizedExecutorOptions,
    deps: ExecutorDeps = {},
  ) {
    const o = (this.#o = options);
    this.logLimit = o.logLimit;
    const parts = composeExecutor(name, o, deps);
    this.clock = parts.attempt.clock;
    this.queue = parts.queue;
    this.requestsLimiter = parts.requestsLimiter;
    this.tokensLimiter = parts.tokensLimiter;
    this.#attempt = parts.attempt;
    this.#pending = new PendingQueue(o.laneNames.length);
    this.#defaultLane = o.plan?.defaultLane ?? 0;
    this.#defaultLaneName = o.laneNames[this.#defaultLane]!;
  }

  /** The calibration factor reservations are scaled by now (1 until an estimate proved low). */
  get tokenFactor(): number {
    return this.#attempt.calibration.factor;
  }

  /** @internal */
  now(): number {
    return this.clock.now();
  }

  /**
   * Accepts a task and returns its event at once (QUEUED, or PENDING with `whenFull: 'wait'`).
   * Throws `ExecutorQueueFullError` (queue full, `whenFull: 'reject'`), `ExecutorStoppedError`
   * (after `stop()`), `ResilienceConfigError` (an unknown lane, bad `tokens`), synchronously (`execute`
   * rejects instead). An already aborted
   * `signal` returns a CANCELLED event.
   */
  submit<T>(task: ExecutorTask<T>, options: SubmitOptions<T> = NO_OPTIONS as SubmitOptions<T>): NetworkRequestEvent<T> {
    if (this.#stopped) throw new ExecutorStoppedError(this.name);
    const o = this.#o;
    const laneName = options.lane ?? this.#defaultLaneName;
    const lane = options.lane === undefined ? this.#defaultLane : laneIndexOf(this.name, o.laneNames, laneName);
    const tokens = options.tokens ?? 0;
    if (typeof tokens !== 'number' || !(tokens >= 0) || !Number.isFinite(tokens))
      throw new ResilienceConfigError(`executors.${this.name}.tokens`, tokens, 'a finite number >= 0');
    const ev = new NetworkRequestEvent<T>(
      this,
      ++this.#seq,
      laneName,
      tokens,
      options.metadata,
      options.method,
      options.url,
    );
    ev._task = task;
    ev._usage = options.usage;
    ev._gate = options.gate;
    const signal = options.signal;
    if (signal?.aborted) {
      this.#live.add(ev);
      ev.cancel(abortReason(signal));
      return ev;
    }
    // Live before it enters: an event can end inside #enter (an open breaker refuses it, a task
    // throws synchronously), and its end removes it from the live list.
    this.#live.add(ev);
    if (this.#pending.size > 0 && o.whenFull === 'wait') this.#pending.push(ev, lane);
    else if (!this.#enterOrForget(ev, lane, ev.createdAt)) {
      if (o.whenFull === 'reject') {
        this.#live.remove(ev);
        throw new ExecutorQueueFullError(this.name, o.queueCapacity);
      }
      this.#pending.push(ev, lane);
    }
    if (signal !== undefined && !isTerminalStatus(ev.status)) linkSignal(ev, signal);
    return ev;
  }

  /**
   * `submit(task, options).result()`, except that it never throws: what `submit` would throw
   * (`ExecutorStoppedError` after `stop()`, `ExecutorQueueFullError`, `ResilienceConfigError`)
   * is the rejection of the returned promise.
   */
  execute<T>(task: ExecutorTask<T>, options?: SubmitOptions<T>): Promise<T> {
    let ev: NetworkRequestEvent<T>;
    try {
      ev = this.submit(task, options);
    } catch (error) {
      return Promise.reject(error);
    }
    return ev.result();
  }

  /**
   * Stops accepting tasks (`submit` then throws `ExecutorStoppedError`). `drain: true` (default):
   * every accepted event still runs; `drain: false`: every event not yet terminal is CANCELLED
   * (calling tasks have their signal aborted). Resolves once every event is terminal and no task runs.
   */
  stop(options: { drain?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (options.drain === false) {
      for (const e of this.#live.all()) e.cancel('executor stopped');
    }
    if (this.#idle()) return Promise.resolve();
    return (this.#drainPromise ??= new Promise<void>((resolve) => (this.#drained = resolve)));
  }

  /** Slots, queue and lanes now (this process). O(lanes). */
  snapshot(): ExecutorSnapshot {
    return executorSnapshot(this.name, !this.#stopped, this.#o, this.queue, this.#pending, this.clock.now());
  }

  /** @internal An event left a non-terminal status for CANCELLED. */
  cancelled(ev: NetworkRequestEvent, from: RequestStatus): void {
    if (from === RequestStatus.PENDING) this.#pending.forget(ev._laneIndex);
    else if (from === RequestStatus.QUEUED) this.#pump();
  }

  /** @internal */
  statusChanged(ev: NetworkRequestEvent, from: RequestStatus, to: RequestStatus, at: number): void {
    if (this.#status.hasListeners) this.#status.emit({ event: ev, from, to, at });
    if (isTerminalStatus(to)) {
      const g = ev._gate;
      if (g !== undefined) {
        ev._gate = undefined;
        try {
          g.close(ev, ev._gateOpened);
        } catch {
          // A gate's close must not throw; ignored.
        }
      }
      this.#live.remove(ev);
      const d = ev._detailIfAny;
      if (d?.unlink !== undefined) {
        d.unlink();
        d.unlink = undefined;
      }
      this.#checkIdle();
    }
  }

  /** {@link #enter}; an unexpected error takes the event off the live list before it propagates. */
  #enterOrForget(ev: NetworkRequestEvent, lane: number, at: number): boolean {
    try {
      return this.#enter(ev, lane, at);
    } catch (error) {
      this.#live.remove(ev);
      throw error;
    }
  }

  /**
   * Takes a queue place (or a slot): false when the queue is full. `at`: the clock time read by
   * the caller in the same synchronous run (submit), else read here.
   */
  #enter(ev: NetworkRequestEvent, lane: number, at?: number): boolean {
    let w;
    try {
      w = this.queue.enterCancellable(this.#o.plan === undefined ? undefined : lane);
    } catch (error) {
      if (isBulkheadRejectedError(error)) return false;
      throw error;
    }
    ev._laneIndex = lane;
    if (at === undefined) at = this.clock.now();
    ev._setStatus(RequestStatus.QUEUED, at);
    if (w === undefined) this.#start(ev, at);
    else {
      ev._waiter = w;
      w.promise.then(
        () => this.#admitted(ev),
        (error: unknown) => this.#refused(ev, error),
      );
    }
    return true;
  }

  #admitted(ev: NetworkRequestEvent): void {
    ev._waiter = undefined;
    if (isTerminalStatus(ev.status)) {
      this.queue.leave(this.#laneArg(ev));
      this.#pump();
      return;
    }
    this.#pump();
    this.#start(ev);
  }

  #refused(ev: NetworkRequestEvent, error: unknown): void {
    ev._waiter = undefined;
    ev._fail(error);
    this.#pump();
  }

  /** The event took its slot (at clock time `at`, default now): PROCESSING, then its gate and attempts. */
  #start(ev: NetworkRequestEvent, at?: number): void {
    this.#running++;
    ev._setStatus(RequestStatus.PROCESSING, at);
    const task = ev._task as ExecutorTask<unknown>;
    const usage = ev._usage as ((r: unknown) => number | undefined) | undefined;
    ev._task = ev._usage = undefined;
    const gate = ev._gate;
    if (gate === undefined) void runAttempts(this.#attempt, this, ev, ev._laneIndex, task, usage, true);
    else void this.#openGate(gate, ev, task, usage);
  }

  /** Runs the gate's `open`, then the attempts; a refusal fails the event (its slot is freed). */
  async #openGate(
    gate: DispatchGate,
    ev: NetworkRequestEvent,
    task: ExecutorTask<unknown>,
    usage: ((r: unknown) => number | undefined) | undefined,
  ): Promise<void> {
    try {
      const p = gate.open(ev);
      if (p !== undefined && p !== null) await p;
      ev._gateOpened = true;
    } catch (error) {
      ev._fail(error);
      this.ended(ev);
      return;
    }
    void runAttempts(this.#attempt, this, ev, ev._laneIndex, task, usage, false);
  }

  /** @internal The attempt loop of `ev` is over (synchronously after its last status change): frees its slot. */
  ended(ev: NetworkRequestEvent): void {
    this.queue.leave(this.#laneArg(ev));
    this.#running--;
    this.#pump();
    this.#checkIdle();
  }

  #laneArg(ev: NetworkRequestEvent): number | undefined {
    return this.#o.plan === undefined ? undefined : ev._laneIndex;
  }

  /** Moves PENDING events (highest lane first, FIFO) into freed queue places. */
  #pump(): void {
    const p = this.#pending;
    while (p.size > 0) {
      const ev = p.shift()!;
      if (!this.#enter(ev, ev._laneIndex)) return p.unshift(ev);
    }
  }

  #idle(): boolean {
    return this.#live.size === 0 && this.#running === 0;
  }

  #checkIdle(): void {
    if (this.#drained !== undefined && this.#idle()) {
      const done = this.#drained;
      this.#drained = undefined;
      done();
    }
  }
}
