import type { TimeoutOptions } from '../../core/timeout/timeout.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Bounds the method in time: `timeoutMs` per attempt (each retry gets a fresh deadline),
 * `totalTimeoutMs` for the whole call (every attempt, wait and retry delay), or both. At a
 * deadline the call rejects with a transient `TimeoutError`; with `signalArg: i` the method's
 * parameter `i` receives an `AbortSignal` that aborts then (linked to a signal the caller
 * passed there), so the method can stop its work (cooperative cancellation).
 *
 * - `@Timeout('search')`: the configured policy `timeouts.search` (bootstrap fails if none);
 * - `@Timeout({ timeoutMs: 2_000 })`: inline options over `timeouts.default`, policy named
 *   `Class.method` (add `name` to share it).
 *
 * Holds no state. The method becomes async.
 * @example
 * ```ts
 * @Timeout({ timeoutMs: 2_000, signalArg: 1 })
 * async search(query: string, signal?: AbortSignal) { return this.index.search(query, { signal }); }
 * ```
 * @publicApi
 */
export function Timeout(nameOrOptions?: PolicyRef<TimeoutOptions>): MethodDecorator {
  return addPolicy('timeout', nameOrOptions);
}
