import { CircuitBreakerOpenError } from '../errors/index.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import type {
  BreakerFailureEvent,
  BreakerRejectedEvent,
  BreakerStateEvent,
  BreakerSuccessEvent,
} from './circuit-breaker.events.js';

/** Makes `key` an own, writable property of `target` (assigning an `onX` works as for a field). */
function shadow(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: true });
}

/**
 * The events of a circuit breaker (the base of `CircuitBreakerPolicy`). Each emitter is created
 * on the first read of its `onX` subscription, so an idle breaker holds none; an emission with
 * nobody listening is one field read. `onX` may be read detached (`const on = breaker.onSuccess`).
 * @publicApi
 */
export abstract class BreakerEvents {
  abstract readonly name: string;
  #state: EventEmitter<BreakerStateEvent> | undefined = undefined;
  #success: EventEmitter<BreakerSuccessEvent> | undefined = undefined;
  #failure: EventEmitter<BreakerFailureEvent> | undefined = undefined;
  #rejected: EventEmitter<BreakerRejectedEvent> | undefined = undefined;
  /** True when slow calls are counted (`slowCallDurationMs` is finite). */
  protected slowCalls = false;
  /**
   * True when calls must be timed: slow-call counting is on, or a success / failure listener
   * wants `durationMs`. A field (refreshed as those listeners come and go), read once per attempt.
   */
  measuresDuration = false;

  /** Subscribes to state changes (`breaker.state`, of every partition). */
  get onStateChange(): Event<BreakerStateEvent> {
    return (this.#state ??= new EventEmitter()).subscribe;
  }
  set onStateChange(value: Event<BreakerStateEvent>) {
    shadow(this, 'onStateChange', value);
  }

  /** Subscribes to admitted calls that succeeded (`breaker.success`, with `durationMs`). */
  get onSuccess(): Event<BreakerSuccessEvent> {
    return (this.#success ??= new EventEmitter(() => this.refreshMeasures())).subscribe;
  }
  set onSuccess(value: Event<BreakerSuccessEvent>) {
    shadow(this, 'onSuccess', value);
  }

  /** Subscribes to admitted calls that failed with an error that counts (`breaker.failure`). */
  get onFailure(): Event<BreakerFailureEvent> {
    return (this.#failure ??= new EventEmitter(() => this.refreshMeasures())).subscribe;
  }
  set onFailure(value: Event<BreakerFailureEvent>) {
    shadow(this, 'onFailure', value);
  }

  /** Subscribes to calls refused while open or half-open and full (`breaker.rejected`). */
  get onRejected(): Event<BreakerRejectedEvent> {
    return (this.#rejected ??= new EventEmitter()).subscribe;
  }
  set onRejected(value: Event<BreakerRejectedEvent>) {
    shadow(this, 'onRejected', value);
  }

  /** @internal Pipeline hook: emits `breaker.success`. */
  emitSuccess(durationMs: number): void {
    const e = this.#success;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'breaker.success', policy: this.name, durationMs });
  }

  /** @internal Pipeline hook: emits `breaker.failure`. */
  emitFailure(error: unknown, durationMs: number): void {
    const e = this.#failure;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'breaker.failure', policy: this.name, durationMs, error });
  }

  /** @internal Pipeline hook: emits `breaker.rejected` for a `CircuitBreakerOpenError`. */
  emitRejected(error: unknown): void {
    const e = this.#rejected;
    if (e === undefined || !e.hasListeners || !(error instanceof CircuitBreakerOpenError)) return;
    const event: { -readonly [K in keyof BreakerRejectedEvent]: BreakerRejectedEvent[K] } = {
      type: 'breaker.rejected',
      policy: this.name,
      state: error.state,
      retryAfterMs: error.retryAfterMs,
      error,
    };
    if (error.partitionKey !== undefined) event.partitionKey = error.partitionKey;
    e.emit(event);
  }

  /** Hands a state change of the store (a history entry) to the `onStateChange` listeners. */
  protected emitStateChange(change: BreakerStateEvent): void {
    const e = this.#state;
    if (e !== undefined && e.hasListeners) e.emit(change);
  }

  private refreshMeasures(): void {
    this.measuresDuration =
      this.slowCalls ||
      (this.#success !== undefined && this.#success.hasListeners) ||
      (this.#failure !== undefined && this.#failure.hasListeners);
  }
}
