import { hasErrorBrand, ResilienceError } from '../../core/errors/index.js';

/**
 * Raised (as a rejection) when a decorated method runs outside any application that imports
 * `ResilienceModule`: a static method or a plain `new`-created instance while no module is
 * initialised. Not transient: configuration is missing.
 * @publicApi
 */
export class ResilienceNotInitializedError extends ResilienceError {
  /** Brand read by {@link isResilienceNotInitializedError} (works across two copies of the package). */
  readonly isResilienceNotInitializedError = true as const;

  constructor() {
    super(
      'No ResilienceModule is initialised: import ResilienceModule.forRoot() in the application that calls this method',
    );
  }
}

/**
 * True for a {@link ResilienceNotInitializedError}, also one raised by another copy of the
 * package (reads the brand, not the prototype chain).
 * @publicApi
 */
export function isResilienceNotInitializedError(error: unknown): error is ResilienceNotInitializedError {
  return hasErrorBrand(error, 'isResilienceNotInitializedError');
}
