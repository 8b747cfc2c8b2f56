import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';
import { scrubSecrets } from '../../http/headers/headers.js';

/** One model's failure within a call that fell back (log-safe: no key, no body). @publicApi */
export interface ModelAttemptFailure {
  /** The iModel (registry name) that failed. */
  readonly modelName: string;
  /** Class name of its error (`CircuitBreakerOpenError`, `UpstreamServerError`, ...). */
  readonly errorType: string;
  /** Its message, scrubbed of key-shaped strings. */
  readonly message: string;
}

/**
 * What a call rejects with when its model **and every fallback** failed with an error that moves
 * a call on (an open breaker, a full queue, a transient failure after the retries: see
 * docs/llm/fallbacks.md). `failures` lists each model tried, in order; `cause` is the last
 * error. A call whose model has no fallbacks, or that stopped at a permanent error, rejects with
 * that error itself, never with this one. Transient (every failure was).
 * @publicApi
 */
export class ModelFallbackExhaustedError extends ResilienceError {
  /** Brand read by {@link isModelFallbackExhaustedError}. */
  readonly isModelFallbackExhaustedError = true as const;
  override readonly isTransient = true;

  constructor(
    /** The iModel the call was made on (the primary). */
    readonly modelName: string,
    /** Each model tried, in order (the primary first). */
    readonly failures: readonly ModelAttemptFailure[],
    /** The last model's error. */
    lastError: unknown,
  ) {
    super(
      `Model '${modelName}' and its fallbacks failed: ${failures.map((f) => `${f.modelName}: ${f.errorType}`).join(', ')}`,
      { cause: lastError },
    );
  }

  /** The last model's error (the `cause`). */
  get lastError(): unknown {
    return this.cause;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), modelName: this.modelName, failures: this.failures.map((f) => ({ ...f })) };
  }
}

/** True for a {@link ModelFallbackExhaustedError}, also from another copy of the package. @publicApi */
export function isModelFallbackExhaustedError(error: unknown): error is ModelFallbackExhaustedError {
  return hasErrorBrand(error, 'isModelFallbackExhaustedError');
}

/** The log-safe record of one model's failure. @internal */
export function attemptFailure(modelName: string, error: unknown, secrets: readonly string[]): ModelAttemptFailure {
  const errorType =
    error instanceof Error
      ? error.name || error.constructor.name || 'Error'
      : typeof error === 'string'
        ? 'Error'
        : typeof error;
  const message = scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
  return { modelName, errorType, message };
}
