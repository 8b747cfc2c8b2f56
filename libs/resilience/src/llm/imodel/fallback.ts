import { isCircuitBreakerOpenError } from '../../core/errors/circuit-breaker-open.error.js';
import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { isResilienceError } from '../../core/errors/resilience.error.js';
import { isExecutorQueueFullError } from '../../executor/errors/executor-queue-full.error.js';
import { isRequestCancelledError } from '../../executor/errors/request-cancelled.error.js';
import { isApiClientError } from '../../http/errors/api-client.error.js';
import {
  attemptFailure,
  ModelFallbackExhaustedError,
  type ModelAttemptFailure,
} from '../errors/model-fallback-exhausted.error.js';
import { ModelNotFoundError } from '../errors/model-not-found.error.js';

/** What `onFallback` listeners receive: a call moves from one model to the next. @publicApi */
export interface ModelFallbackEvent {
  /** The iModel the call was made on. */
  readonly modelName: string;
  /** The model that failed. */
  readonly from: string;
  /** The model tried next. */
  readonly to: string;
  /** Why: `from`'s error (its final error, after its retries). */
  readonly error: unknown;
  /** Class name of `error`. */
  readonly errorType: string;
  /** True for `stream()` (a stream falls back only before its first delta). */
  readonly stream: boolean;
}

/**
 * True when `error` moves a call to the next model: an open breaker (`CircuitBreakerOpenError`),
 * a full queue (`ExecutorQueueFullError`), or a transient failure after the model's retries
 * (`isTransient`, or an HTTP failure transient by nature that was not retried because a
 * completion may have been processed: `notRetriedReason`, e.g. a 500 or a timeout). Never a
 * cancellation, a configuration error, or a permanent failure (400, 401, 403, 404, quota
 * exhausted, a stream interrupted after its first delta).
 * @publicApi
 */
export function triggersFallback(error: unknown): boolean {
  if (isCircuitBreakerOpenError(error) || isExecutorQueueFullError(error)) return true;
  if (isRequestCancelledError(error) || isResilienceConfigError(error)) return false;
  if (isApiClientError(error)) return error.isTransient || error.notRetriedReason !== undefined;
  return isResilienceError(error) && error.isTransient;
}

/** What the fallback loop needs of a model (an `IModel`). @internal */
export interface FallbackModel {
  readonly name: string;
  readonly fallbacks: readonly string[];
  /** @internal The key and other secrets (scrubbed from failure records). */
  readonly _secrets: readonly string[];
}

/** Where the call's primary reports a move to the next model. @internal */
export type FallbackReporter = (from: string, to: string, error: unknown) => void;

/**
 * The models of one call after the primary, breadth first: the primary's `fallbacks` in order,
 * then theirs, each model at most once (no cycle; bounded by the registry's size). Created only
 * when the primary failed.
 * @internal
 */
class FallbackChain<M extends FallbackModel> {
  readonly #queue: { name: string; owner: string; index: number }[] = [];
  readonly #seen = new Set<string>();
  constructor(
    primary: M,
    private readonly lookup: (name: string) => M | undefined,
    private readonly registered: () => string[],
  ) {
    this.#seen.add(primary.name);
    this.#enqueue(primary);
  }

  #enqueue(m: M): void {
    m.fallbacks.forEach((name, index) => this.#queue.push({ name, owner: m.name, index }));
  }

  /** The next model, undefined when none is left; `ModelNotFoundError` for a name nobody registered. */
  next(): M | undefined {
    for (let entry = this.#queue.shift(); entry !== undefined; entry = this.#queue.shift()) {
      if (this.#seen.has(entry.name)) continue;
      this.#seen.add(entry.name);
      const m = this.lookup(entry.name);
      if (m === undefined)
        throw new ModelNotFoundError(entry.name, this.registered(), `models.${entry.owner}.fallbacks[${entry.index}]`);
      this.#enqueue(m);
      return m;
    }
    return undefined;
  }
}

/** How one call finds the models its primary falls back to. @internal */
export interface FallbackLookup<M extends FallbackModel> {
  find(name: string): M | undefined;
  names(): string[];
}

/**
 * Runs `attempt` on `primary`, then on each fallback while the failure {@link triggersFallback}.
 * `attempt` gets the model and the names tried before it (the array grows only before the next
 * attempt starts). Rejects with a permanent error as is; when every model failed, with the
 * primary's own error if it has no fallback left to try at all, else a
 * {@link ModelFallbackExhaustedError} listing each failure.
 * @internal
 */
export async function runWithFallbacks<M extends FallbackModel, R>(
  primary: M,
  lookup: FallbackLookup<M>,
  report: FallbackReporter,
  attempt: (model: M, fallbackFrom: string[]) => Promise<R>,
): Promise<R> {
  const tried: string[] = [];
  const failures: ModelAttemptFailure[] = [];
  let chain: FallbackChain<M> | undefined;
  let model = primary;
  for (;;) {
    try {
      return await attempt(model, tried);
    } catch (error) {
      if (!triggersFallback(error)) throw error;
      failures.push(attemptFailure(model.name, error, model._secrets));
      tried.push(model.name);
      chain ??= new FallbackChain(
        primary,
        (n) => lookup.find(n),
        () => lookup.names(),
      );
      const next = chain.next();
      if (next === undefined) {
        if (failures.length === 1) throw error;
        throw new ModelFallbackExhaustedError(primary.name, failures, error);
      }
      report(model.name, next.name, error);
      model = next;
    }
  }
}
