import { hasErrorBrand, ResilienceError } from '../../core/errors/index.js';

/**
 * Raised (as a rejection) when a decorated method of an instance runs after its application was
 * closed (`app.close()`): the policies and the store of that application are gone. Not transient.
 * @publicApi
 */
export class ResilienceRegistryClosedError extends ResilienceError {
  /** Brand read by {@link isResilienceRegistryClosedError} (works across two copies of the package). */
  readonly isResilienceRegistryClosedError = true as const;

  constructor(
    /** `Class.method` that was called. */
    readonly method: string,
  ) {
    super(
      `${method} was called after its application closed: the ResilienceModule it was created by is shut down (app.close())`,
    );
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method };
  }
}

/**
 * True for a {@link ResilienceRegistryClosedError}, also one raised by another copy of the
 * package (reads the brand, not the prototype chain).
 * @publicApi
 */
export function isResilienceRegistryClosedError(error: unknown): error is ResilienceRegistryClosedError {
  return hasErrorBrand(error, 'isResilienceRegistryClosedError');
}
