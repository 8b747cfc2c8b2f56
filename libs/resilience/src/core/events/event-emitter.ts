/** Unsubscribes a listener. Calling it twice is harmless. @publicApi */
export interface Disposable {
  dispose(): void;
}

/**
 * A subscription function: `policy.onStateChange((e) => ...)` adds a listener and returns a
 * {@link Disposable} that removes it (the cockatiel shape). A listener that throws is isolated:
 * the error is reported through `reportListenerError` and the other listeners still run.
 * @publicApi
 */
export type Event<T> = (listener: (event: T) => void) => Disposable;

type Listener<T> = (event: T) => void;

/** Where a throwing listener's error goes (default: `console.error`). @internal */
export let reportListenerError: (error: unknown) => void = (error) => {
  console.error('nest-resilience: an event listener threw', error);
};

/** Replaces the listener-error reporter (tests). @internal */
export function setListenerErrorReporter(report: (error: unknown) => void): void {
  reportListenerError = report;
}

/**
 * Many-listener emitter with no cost when nobody listens: `hasListeners` is a plain field read,
 * so emitters guard the construction of an event object with it. One listener is stored without
 * an array; `emit` iterates a snapshot, so listeners may unsubscribe while being called.
 *
 * Policies create their emitters lazily (on the first read of their `onX` subscription), so an
 * idle policy holds none; `subscribe` itself is bound on first read (it may be used detached).
 * @publicApi
 */
export class EventEmitter<T> {
  #one: Listener<T> | undefined = undefined;
  #many: Listener<T>[] | undefined = undefined;
  #subscribe: Event<T> | undefined = undefined;
  readonly #onChange: (() => void) | undefined;
  /** True while at least one listener is subscribed. */
  hasListeners = false;

  /** @param onListenersChange called after a listener is added or removed (e.g. to refresh a cached flag). */
  constructor(onListenersChange?: () => void) {
    this.#onChange = onListenersChange;
  }

  /** Subscribes a listener; the returned disposable unsubscribes it. Bound: usable detached. */
  get subscribe(): Event<T> {
    return (this.#subscribe ??= (listener) => this.#add(listener));
  }

  /** Calls every listener with the event; a throwing listener does not stop the others. */
  emit(event: T): void {
    const one = this.#one;
    if (one !== undefined) {
      try {
        one(event);
      } catch (error) {
        reportListenerError(error);
      }
      return;
    }
    const many = this.#many;
    if (many === undefined) return;
    for (const l of many) {
      try {
        l(event);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#one = undefined;
    this.#many = undefined;
    this.#changed();
  }

  #add(listener: Listener<T>): Disposable {
    if (typeof listener !== 'function') throw new TypeError('An event listener must be a function');
    if (this.#one === undefined && this.#many === undefined) this.#one = listener;
    else {
      this.#many = this.#many === undefined ? [this.#one!, listener] : [...this.#many, listener];
      this.#one = undefined;
    }
    this.#changed();
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.#remove(listener);
      },
    };
  }

  #remove(listener: Listener<T>): void {
    if (this.#one === listener) this.#one = undefined;
    else if (this.#many !== undefined) {
      const i = this.#many.indexOf(listener);
      if (i < 0) return;
      const next = this.#many.filter((_, j) => j !== i);
      if (next.length === 1) {
        this.#one = next[0];
        this.#many = undefined;
      } else this.#many = next.length === 0 ? undefined : next;
    }
    this.#changed();
  }

  #changed(): void {
    this.hasListeners = this.#one !== undefined || this.#many !== undefined;
    if (this.#onChange !== undefined) this.#onChange();
  }
}
