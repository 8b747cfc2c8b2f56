import type { BulkheadOptions } from '../../core/bulkhead/bulkhead.options.js';
import type { PolicyRef } from './method-spec.js';
import { addPolicy } from './resilient-method.js';

/**
 * Bounds the method's concurrency: at most `maxConcurrent` calls run at once (each attempt
 * holds a slot), up to `maxQueued` more wait in FIFO order for at most `maxWaitMs`, and the
 * rest are refused with a transient `BulkheadRejectedError` (`reason: 'queue-full'` or
 * `'wait-timeout'`). A waiter whose signal (trailing `AbortSignal` argument, or `options.signal`)
 * aborts leaves the queue at once.
 *
 * - `@Bulkhead('db')`: the configured policy `bulkheads.db`, shared by every method naming it;
 * - `@Bulkhead({ maxConcurrent: 4 })`: inline options over `bulkheads.default`, policy named
 *   `Class.method` (add `name` to share it).
 *
 * Per process (never in a shared store). The method becomes async.
 * @example
 * ```ts
 * @Bulkhead({ maxConcurrent: 4, maxQueued: 16, maxWaitMs: 5_000 })
 * async render(reportId: string) { ... }
 * ```
 * @publicApi
 */
export function Bulkhead(nameOrOptions?: PolicyRef<BulkheadOptions>): MethodDecorator {
  return addPolicy('bulkhead', nameOrOptions);
}
