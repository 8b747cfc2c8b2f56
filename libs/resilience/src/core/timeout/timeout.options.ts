/**
 * Timeout options. Set `timeoutMs`, `totalTimeoutMs` or both (at least one). With both,
 * `timeoutMs` must not exceed `totalTimeoutMs`.
 * @example
 * ```ts
 * const timeout = TimeoutPolicy.create('search', { timeoutMs: 2_000, totalTimeoutMs: 5_000 });
 * ```
 * @publicApi
 */
export interface TimeoutOptions {
  /**
   * Deadline of each attempt, in ms (> 0): it bounds the method only, inside the other stages,
   * so each retry gets a fresh one. Default: none (`Infinity`).
   */
  timeoutMs?: number;
  /**
   * Deadline of the whole call, in ms (> 0): every attempt, every wait for a slot or tokens,
   * every retry delay. Default: none (`Infinity`).
   */
  totalTimeoutMs?: number;
  /**
   * Index of the method parameter that receives the attempt's `AbortSignal` (aborted at the
   * deadline; linked to a caller's signal found there). Default -1: the method is not handed one.
   */
  signalArg?: number;
}

/** Options after defaults and validation; produced once per policy. @publicApi */
export interface NormalizedTimeoutOptions {
  /** `Infinity` when attempts are not bounded. */
  timeoutMs: number;
  /** `Infinity` when the call is not bounded as a whole. */
  totalTimeoutMs: number;
  /** -1 when the method is not handed a signal. */
  signalArg: number;
}

/**
 * The defaults of {@link TimeoutOptions}: no bound at either level (`Infinity`; at least one
 * must be set) and no signal argument (-1).
 * @publicApi
 */
export const TIMEOUT_DEFAULTS: Readonly<NormalizedTimeoutOptions> = Object.freeze({
  timeoutMs: Infinity,
  totalTimeoutMs: Infinity,
  signalArg: -1,
});

/**
 * Longest finite deadline, in ms: Node runs a timer set beyond 2^31 - 1 ms (about 24.8 days)
 * after 1 ms, so a longer deadline would fire at once. Longer waits are written `Infinity`.
 * @internal
 */
export const MAX_TIMER_MS = 2_147_483_647;
