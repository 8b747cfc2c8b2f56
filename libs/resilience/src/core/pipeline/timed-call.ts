import type { Clock } from '../clock.js';
import type { TimeoutStage } from './stages.js';

/** True for an `AbortSignal` (read structurally: the signal may come from another realm). */
function isSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AbortSignal).aborted === 'boolean' &&
    typeof (value as AbortSignal).addEventListener === 'function'
  );
}

/**
 * The deadlines of one call through a pipeline with a timeout stage (created per call, only
 * when a timeout stage is configured). One timer per deadline, cleared when what it bounds
 * settles; every listener it adds to a caller's signal is removed again.
 *
 * - The total deadline (`totalMs`) owns an `AbortController` linked to the caller's signal:
 *   {@link signal} is what every wait of the call (tokens, bulkhead slot, retry delay) and
 *   every attempt is bound to. When it passes, that signal aborts with `timeoutError('total')`,
 *   the running attempt and the call itself reject with that error.
 * - The attempt deadline (`attemptMs`) has one timer per attempt and, only when the method can
 *   observe it (it reads `context.signal`, or is handed it at `signalArg`), one `AbortController`
 *   per attempt, linked to {@link signal} ({@link AttemptContext}). When it passes, that signal
 *   aborts with `timeoutError('attempt')` (or is created aborted, if read later) and the attempt
 *   rejects with that error (retryable) either way.
 * - A caller's abort is forwarded to the method's signal; the attempt is then awaited as it
 *   settles (its own error is what the call rejects with), as without a timeout.
 * @internal
 */
export class TimedCall {
  /** The signal the call's waits and attempts are bound to. */
  readonly signal: AbortSignal | undefined;
  private readonly caller: AbortSignal | undefined;
  private readonly total: AbortController | undefined;
  private totalTimer: unknown;
  private attempt: AttemptContext | undefined;
  private attemptTimer: unknown;
  private rejectAttempt: ((error: unknown) => void) | undefined;
  private rejectCall: ((error: unknown) => void) | undefined;

  constructor(
    private readonly stage: TimeoutStage,
    private readonly clock: Clock,
    signal: AbortSignal | undefined,
    args: readonly unknown[],
  ) {
    let caller = signal;
    if (caller === undefined && stage.signalArg >= 0) {
      const found = args[stage.signalArg];
      if (isSignal(found)) caller = found;
    }
    this.caller = caller;
    if (stage.totalMs === Infinity) {
      this.signal = caller;
      return;
    }
    const total = (this.total = new AbortController());
    this.signal = total.signal;
    if (caller !== undefined) {
      if (caller.aborted) total.abort(caller.reason);
      else caller.addEventListener('abort', this.onCallerAbort);
    }
    this.totalTimer = clock.setTimeout(this.onTotalDeadline, stage.totalMs);
  }

  /**
   * Bounds `inner` (the whole call) by the total deadline: the result settles with `inner`, or
   * rejects with `timeoutError('total')` when the deadline passes first. The timer and the
   * caller's listener go when `inner` settles.
   */
  run<T>(inner: Promise<T>): Promise<T> {
    if (this.total === undefined) return inner;
    return new Promise<T>((resolve, reject) => {
      this.rejectCall = reject;
      inner.then(
        (value) => {
          this.end();
          resolve(value);
        },
        (error: unknown) => {
          this.end();
          reject(error);
        },
      );
    });
  }

  /**
   * Starts attempt number `attempt`: arms its deadline. Returns the attempt's context (for
   * `fn(context)`, or the signal for `argsFor`) when `observable`, else `undefined` (a method
   * that cannot see a signal gets none: only the deadline's rejection applies).
   */
  beginAttempt(
    attempt: number,
    observable: boolean,
  ): AttemptContext | { signal: AbortSignal | undefined; attempt: number } {
    if (this.stage.attemptMs === Infinity) return { signal: this.signal, attempt };
    this.attemptTimer = this.clock.setTimeout(this.onAttemptDeadline, this.stage.attemptMs);
    if (!observable) return NO_CONTEXT;
    return (this.attempt = new AttemptContext(attempt, this.signal));
  }

  /** The method's arguments with the attempt's signal at `signalArg` (a copy), or `args` itself. */
  argsFor(args: readonly unknown[]): readonly unknown[] {
    const at = this.stage.signalArg;
    if (at < 0) return args;
    const copy = args.slice();
    copy[at] = this.stage.attemptMs === Infinity ? this.signal : this.attempt!.signal;
    return copy;
  }

  /** Settles with the attempt's `value`, or rejects with the deadline's error when one passes first. */
  race<T>(value: T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejectAttempt = reject;
      Promise.resolve(value).then(resolve, reject);
    });
  }

  /** Ends the attempt: clears its timer and its listener (idempotent). */
  endAttempt(): void {
    this.rejectAttempt = undefined;
    if (this.attemptTimer !== undefined) {
      this.clock.clearTimeout(this.attemptTimer);
      this.attemptTimer = undefined;
    }
    if (this.attempt !== undefined) {
      this.attempt.end();
      this.attempt = undefined;
    }
  }

  private end(): void {
    if (this.totalTimer !== undefined) {
      this.clock.clearTimeout(this.totalTimer);
      this.totalTimer = undefined;
    }
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }

  private readonly onCallerAbort = (): void => {
    this.total!.abort(this.caller!.reason);
  };

  private readonly onAttemptDeadline = (): void => {
    this.attemptTimer = undefined;
    const error = this.stage.timeoutError('attempt');
    this.attempt?.abort(error);
    this.rejectAttempt?.(error);
  };

  private readonly onTotalDeadline = (): void => {
    this.totalTimer = undefined;
    const error = this.stage.timeoutError('total');
    this.total!.abort(error);
    this.rejectAttempt?.(error);
    this.rejectCall?.(error);
  };
}

/** The context of a method that cannot observe a signal (its deadline only rejects). */
const NO_CONTEXT = Object.freeze({ signal: undefined, attempt: 0 });

/**
 * The context of one timed attempt (`{ signal, attempt }`): its `AbortController` is created on
 * the first read of `signal`, linked to the call's signal (the total deadline's, or the
 * caller's) until the attempt ends. A deadline that passed before the first read yields a signal
 * already aborted with the deadline's error.
 * @internal
 */
export class AttemptContext {
  #controller: AbortController | undefined = undefined;
  #reason: unknown = undefined;
  #aborted = false;
  #ended = false;

  constructor(
    readonly attempt: number,
    private readonly parent: AbortSignal | undefined,
  ) {}

  /** The attempt's signal (created now on first read). */
  get signal(): AbortSignal {
    if (this.#controller !== undefined) return this.#controller.signal;
    const controller = (this.#controller = new AbortController());
    const parent = this.parent;
    if (this.#aborted) controller.abort(this.#reason);
    else if (parent !== undefined) {
      if (parent.aborted) controller.abort(parent.reason);
      else if (!this.#ended) parent.addEventListener('abort', this);
    }
    return controller.signal;
  }

  /** Aborts the attempt's signal with `reason` (or records it for a signal not read yet). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    // A linked signal would already carry the call's abort, had it been read: that reason wins.
    const parent = this.parent;
    this.#reason = this.#controller === undefined && parent !== undefined && parent.aborted ? parent.reason : reason;
    this.#controller?.abort(this.#reason);
  }

  /** The call's signal aborted: forwarded to the attempt's. @internal */
  handleEvent(): void {
    this.abort(this.parent!.reason);
  }

  /** The attempt settled: unlinks from the call's signal. */
  end(): void {
    this.#ended = true;
    if (this.#controller !== undefined) this.parent?.removeEventListener('abort', this);
  }
}
