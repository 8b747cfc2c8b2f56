/**
 * Options of one call, the same for every policy and service:
 * `policy.execute(fn, options?)`, `service.execute(name, fn, options?)`.
 * @publicApi
 */
export interface ExecuteOptions {
  /**
   * The call's arguments: they select partitions (`partitionKey`) and feed a limiter's
   * `tokens` function. They are not passed to `fn`. Default: none (`[]`).
   */
  readonly args?: readonly unknown[];
  /**
   * Cancels the call: every wait (limiter tokens, bulkhead slot, retry delay) rejects at once
   * with `signal.reason`, and no further attempt starts. Handed to `fn` in its context.
   */
  readonly signal?: AbortSignal;
  /** Tokens this call takes from a rate limiter, instead of the limiter's own `tokens` option. */
  readonly tokens?: number;
  /**
   * Priority lane of this call (a name from the policy's `lanes` option), instead of the
   * policy's `lane` option or default lane. Policies without lanes ignore it. See docs/lanes.md.
   */
  readonly lane?: string;
}

/**
 * What `fn` receives on each attempt.
 * @publicApi
 */
export interface ExecuteContext {
  /**
   * The signal of this attempt: the caller's `signal`, or, under a timeout policy, a signal
   * linked to it that also aborts at the attempt's (or the whole call's) deadline. Pass it to
   * the I/O you start so a deadline cancels it.
   */
  readonly signal: AbortSignal | undefined;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
}

/** The function a policy runs: called once per attempt with its {@link ExecuteContext}. @publicApi */
export type ExecuteFn<T> = (context: ExecuteContext) => T | Promise<T>;
