import { AsyncLocalStorage } from 'node:async_hooks';
import type { ModelCallOptions } from './transport.options.js';

/** What `asFetch()` reads for the calls made inside one {@link runWithCallOptions}. @internal */
export interface CallContext {
  readonly options: ModelCallOptions;
  /** The last typed error a transport fetch rejected with in this context (after its retries). */
  lastError: unknown;
}

const storage = new AsyncLocalStorage<CallContext>();

/**
 * Runs `fn` with per-call options for every `ModelTransport.asFetch()` fetch it makes (directly
 * or through an SDK client): the token reservation, lane, signal and metadata of the executor
 * event. The options object is kept by reference (not copied).
 * @example
 * ```ts
 * import { runWithCallOptions } from 'nest-resilience/llm';
 * const text = await runWithCallOptions({ tokens: 1200, lane: 'interactive' }, async () => 'sdk call here');
 * ```
 * @publicApi
 */
export function runWithCallOptions<T>(options: ModelCallOptions, fn: () => T): T {
  return storage.run({ options, lastError: undefined }, fn);
}

/** The context of the current {@link runWithCallOptions}, if any. @internal */
export function currentCallContext(): CallContext | undefined {
  return storage.getStore();
}

/**
 * The typed error (`ApiClientError`, `StreamInterruptedError`, `RequestCancelledError`, ...) the
 * last `asFetch()` fetch of the current {@link runWithCallOptions} failed with, or `undefined`.
 * SDK adapters use it to unwrap the SDK's own error class back to the typed error.
 * @publicApi
 */
export function lastCallError(): unknown {
  return storage.getStore()?.lastError;
}
