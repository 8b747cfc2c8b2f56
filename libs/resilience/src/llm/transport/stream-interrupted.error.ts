import { hasErrorBrand } from '../../core/errors/brand.js';
import { ResilienceError } from '../../core/errors/resilience.error.js';

/**
 * A stream failed after its first text delta (an error event, a dropped connection, a timeout
 * between two chunks). Permanent: the consumer already has part of the answer, so the call is
 * not retried and no fallback takes over. `cause` is the typed error (an `ApiClientError`:
 * `UpstreamConnectionError`, `UpstreamTimeoutError`, the provider's error event mapping).
 * @publicApi
 */
export class StreamInterruptedError extends ResilienceError {
  /** Brand read by {@link isStreamInterruptedError}. */
  readonly isStreamInterruptedError = true as const;

  constructor(
    /** The typed error that ended the stream. */
    cause: unknown,
    /** Characters of text the consumer had been given before the failure. */
    readonly receivedChars: number,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`Stream interrupted after ${receivedChars} characters: ${why}`, { cause });
  }

  override toJSON(): Record<string, unknown> {
    const c = this.cause as { toJSON?: () => unknown; name?: unknown } | undefined;
    const cause = typeof c?.toJSON === 'function' ? c.toJSON() : c?.name;
    return { ...super.toJSON(), receivedChars: this.receivedChars, cause };
  }
}

/** True for a {@link StreamInterruptedError}, also from another copy of the package. @publicApi */
export function isStreamInterruptedError(error: unknown): error is StreamInterruptedError {
  return hasErrorBrand(error, 'isStreamInterruptedError');
}
