import { systemClock, type Clock, type RandomSource } from '../clock.js';
import { retryAfterOf } from '../errors/index.js';
import { EventEmitter, type Event } from '../events/event-emitter.js';
import { checkPolicyDeps } from '../options/validate.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { RetryStage } from '../pipeline/stages.js';
import type { ExecuteFn, ExecuteOptions } from '../policy/execute-options.js';
import { backoffDelay } from './backoff.js';
import type { RetryGiveUpEvent, RetryScheduledEvent } from './retry.events.js';
import { normalizeRetryOptions } from './retry.normalize.js';
import type { NormalizedRetryOptions, RetryOptions } from './retry.options.js';

/** What a retry policy runs on. @publicApi */
export interface RetryDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Uniform [0, 1) source for jitter. Default: `Math.random`. */
  random?: RandomSource;
}

/**
 * A named retry policy. `maxRetries` counts retries after the first attempt.
 * @example
 * ```ts
 * const retry = RetryPolicy.create('idempotent', { maxRetries: 3, baseDelayMs: 200 });
 * retry.onGiveUp((e) => log.warn(`gave up after ${e.attempts} attempts`));
 * const order = await retry.execute(({ signal }) => api.getOrder(id, { signal }));
 * ```
 * @publicApi
 */
export class RetryPolicy implements RetryStage {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** True when the pipeline must measure elapsed time (a `maxElapsedMs` is set). */
  readonly tracksElapsed: boolean;
  private pipeline: Pipeline | undefined;
  // Created on the first read of `onRetry` / `onGiveUp` (an idle policy holds no emitter).
  #retry: EventEmitter<RetryScheduledEvent> | undefined = undefined;
  #giveUp: EventEmitter<RetryGiveUpEvent> | undefined = undefined;

  /** Subscribes to scheduled retries (`retry.scheduled`: attempt, delayMs, error). */
  get onRetry(): Event<RetryScheduledEvent> {
    return (this.#retry ??= new EventEmitter()).subscribe;
  }

  /** Subscribes to give-ups (`retry.giveup`: attempts, error). */
  get onGiveUp(): Event<RetryGiveUpEvent> {
    return (this.#giveUp ??= new EventEmitter()).subscribe;
  }

  /**
   * Validates `options` and `deps` (paths start with `retries.<name>`, e.g. `retries.<name>.random`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: RetryOptions = {}, deps: RetryDeps = {}): RetryPolicy {
    return new RetryPolicy(name, normalizeRetryOptions(options, `retries.${name}`), deps);
  }

  /** Trusts `options` (already normalized); checks `deps` once. */
  constructor(
    readonly name: string,
    readonly options: NormalizedRetryOptions,
    deps: RetryDeps = {},
  ) {
    // Checked once here, not per call: a `random: 0.5` must fail now, naming the option, not at the first retry.
    const checked = checkPolicyDeps(`retries.${name}`, deps, ['clock', 'random']);
    this.clock = checked.clock ?? systemClock;
    this.random = checked.random ?? Math.random;
    this.tracksElapsed = options.maxElapsedMs !== Infinity;
    if (options.onRetry !== undefined) this.onRetry(options.onRetry);
  }

  /**
   * The wait before retry number `retryNo` (1-based) after `error`, or −1 to give up:
   * when retries are spent, the error is not retryable, its `retryAfterMs` hint exceeds
   * `maxRetryAfterMs`, or the wait would pass `maxElapsedMs`. The wait is the larger of the
   * backoff delay and the hint.
   */
  nextDelay(error: unknown, retryNo: number, elapsedMs: number): number {
    const o = this.options;
    if (retryNo > o.maxRetries || !o.shouldRetry(error)) return -1;
    const hint = retryAfterOf(error);
    if (hint !== undefined && hint > o.maxRetryAfterMs) return -1;
    const backoff = backoffDelay(o, retryNo, this.random);
    const delay = hint !== undefined && hint > backoff ? hint : backoff;
    if (elapsedMs + delay > o.maxElapsedMs) return -1;
    return delay;
  }

  /** @internal Pipeline hook: emits `retry.scheduled` (a throwing listener is reported, never changes the call). */
  emitRetry(retryNo: number, delayMs: number, error: unknown): void {
    const e = this.#retry;
    if (e !== undefined && e.hasListeners)
      e.emit({
        type: 'retry.scheduled',
        policy: this.name,
        attempt: retryNo,
        retry: retryNo,
        delayMs,
        error,
      });
  }

  /** @internal Pipeline hook: emits `retry.giveup`. */
  emitGiveUp(attempts: number, error: unknown): void {
    const e = this.#giveUp;
    if (e !== undefined && e.hasListeners) e.emit({ type: 'retry.giveup', policy: this.name, attempts, error });
  }

  /** Waits `ms` on the policy's clock; rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    const clock = this.clock;
    // Node's timers run on whole-millisecond loop time and may fire up to 1 ms before `ms` has
    // passed on `clock.now()`: a wait that honours a Retry-After must never end early, so a timer
    // that fires early re-arms for what is left.
    const until = clock.now() + ms;
    return new Promise<void>((resolve, reject) => {
      let handle: unknown;
      const onAbort = () => {
        clock.clearTimeout(handle);
        reject(signal!.reason);
      };
      const fire = () => {
        const left = until - clock.now();
        if (left > 0) {
          handle = clock.setTimeout(fire, Math.max(1, Math.ceil(left)));
          return;
        }
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      handle = clock.setTimeout(fire, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Runs `fn` and retries it per the policy (through `createPipeline({ retry: this })`).
   * `fn` gets `{ signal, attempt }` (attempt 1 first); `options.signal` stops further attempts
   * and cancels a wait at once.
   */
  execute<T>(fn: ExecuteFn<T>, options?: ExecuteOptions): Promise<Awaited<T>> {
    return (this.pipeline ??= createPipeline({ retry: this, clock: this.clock })).execute(fn, options);
  }
}
