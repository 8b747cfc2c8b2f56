import { systemClock, type Clock } from '../clock.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import type { PolicyDeps } from '../policy/policy-deps.js';
import { TimeoutError, type TimeoutScope } from '../errors/timeout.error.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import type { TimeoutStage } from '../pipeline/stages.js';
import type { TimeoutEvent } from './timeout.events.js';
import { normalizeTimeoutOptions } from './timeout.normalize.js';
import type { NormalizedTimeoutOptions, TimeoutOptions } from './timeout.options.js';

/**
 * A named timeout: a deadline per attempt (`timeoutMs`), for the whole call (`totalTimeoutMs`),
 * or both. At a deadline the signal handed to the method is aborted (cooperative cancellation)
 * and the call rejects with a transient {@link TimeoutError} whether or not the method stops.
 * The pipeline arms one timer per bounded level and clears it when the call settles.
 * Holds no state: nothing is shared through a store.
 * @example
 * ```ts
 * const timeout = TimeoutPolicy.create('search', { timeoutMs: 2_000 });
 * const hits = await timeout.execute(({ signal }) => index.search(query, { signal }));
 * ```
 * @publicApi
 */
export class TimeoutPolicy implements TimeoutStage {
  /** Deadline of each attempt in ms (`Infinity`: none). */
  readonly attemptMs: number;
  /** Deadline of the whole call in ms (`Infinity`: none). */
  readonly totalMs: number;
  /** Index of the method parameter that receives the attempt's `AbortSignal`; -1 for none. */
  readonly signalArg: number;
  readonly clock: Clock;
  private pipeline: Pipeline | undefined;
  // Created on the first read of `onTimeout` (an idle policy holds no emitter).
  #timeout: EventEmitter<TimeoutEvent> | undefined = undefined;

  /** Subscribes to deadlines that pass (`{ type: 'timeout', policy, scope, timeoutMs }`). */
  get onTimeout(): Event<TimeoutEvent> {
    return (this.#timeout ??= new EventEmitter()).subscribe;
  }

  /**
   * Validates `options` and `deps` (paths start with `timeouts.<name>`, e.g. `timeouts.<name>.timeoutMs`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: TimeoutOptions, deps: PolicyDeps = {}): TimeoutPolicy {
    return new TimeoutPolicy(name, normalizeTimeoutOptions(options, `timeouts.${name}`), deps);
  }

  /** Trusts `options` (already normalized); checks `deps` once (`timeouts.<name>.clock`). */
  constructor(
    readonly name: string,
    readonly options: NormalizedTimeoutOptions,
    deps: PolicyDeps = {},
  ) {
    this.clock = checkPolicyDeps(`timeouts.${name}`, deps, ['clock']).clock ?? systemClock;
    this.attemptMs = options.timeoutMs;
    this.totalMs = options.totalTimeoutMs;
    this.signalArg = options.signalArg;
  }

  /** The error for a deadline that passed (and the `timeout` event, when anyone listens). */
  timeoutError(scope: TimeoutScope): TimeoutError {
    const timeoutMs = scope === 'attempt' ? this.attemptMs : this.totalMs;
    const e = this.#timeout;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'timeout', policy: this.name, scope, timeoutMs });
    return new TimeoutError(this.name, timeoutMs, scope);
  }

  /**
   * Runs `fn({ signal, attempt })` within the deadlines: `signal` aborts at a deadline (and when
   * `options.signal` aborts), and the call rejects with `TimeoutError` at the deadline whether or
   * not `fn` stops. One timer per deadline, cleared when the call settles.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ timeout: this, clock: this.clock })).execute(fn, options);
  }
}
