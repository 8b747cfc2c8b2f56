import { systemClock, type Clock, type RandomSource } from '../clock.js';
import { retryAfterOf } from '../errors/errors.js';
import { backoffDelay } from './backoff.js';
import type { NormalizedRetryOptions, RetryOptions } from './retry.options.js';
import { normalizeRetryOptions } from './retry.normalize.js';
import { checkPolicyDeps } from '../options/validate.js';

/** What a retry policy runs on. @publicApi */
export interface RetryDeps {
  /** Default: the system clock. */
  clock?: Clock;
  /** Uniform [0, 1) source for jitter. Default: `Math.random`. */
  random?: RandomSource;
}

/** Passed to the function a {@link RetryPolicy} runs. @publicApi */
export interface AttemptContext {
  /** 0 for the first attempt. */
  attempt: number;
  signal?: AbortSignal;
}

/**
 * A named retry policy. `maxRetries` counts retries after the first attempt.
 * @example
 * ```ts
 * const retry = RetryPolicy.create('idempotent', { maxRetries: 3, baseDelayMs: 200 });
 * const order = await retry.execute(({ attempt }) => api.getOrder(id));
 * ```
 * @publicApi
 */
export class RetryPolicy {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** True when the pipeline must measure elapsed time (a `maxElapsedMs` is set). */
  readonly tracksElapsed: boolean;

  /**
   * Validates `options` and `deps` (paths start with `retries.<name>`, e.g. `retries.<name>.random`)
   * and creates the policy; throws `ResilienceConfigError` naming the path and the value.
   */
  static create(name: string, options: RetryOptions = {}, deps: RetryDeps = {}): RetryPolicy {
    return new RetryPolicy(name, normalizeRetryOptions(options, `retries.${name}`), deps);
  }

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

  /** Calls `onRetry` (a throwing hook is ignored). */
  emitRetry(retryNo: number, delayMs: number, error: unknown): void {
    const hook = this.options.onRetry;
    if (hook === undefined) return;
    try {
      hook({ policy: this.name, retry: retryNo, delayMs, error });
    } catch {
      // A hook must not change the outcome of the call.
    }
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

  /** Runs `fn` and retries it per the policy. `signal` stops further attempts and cancels a wait at once. */
  async execute<T>(fn: (ctx: AttemptContext) => T | Promise<T>, signal?: AbortSignal): Promise<Awaited<T>> {
    const start = this.tracksElapsed ? this.clock.now() : 0;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw signal.reason;
      try {
        return await fn({ attempt, signal });
      } catch (error) {
        if (signal?.aborted) throw error;
        const delay = this.nextDelay(error, attempt + 1, this.tracksElapsed ? this.clock.now() - start : 0);
        if (delay < 0) throw error;
        this.emitRetry(attempt + 1, delay, error);
        await this.sleep(delay, signal);
      }
    }
  }
}
