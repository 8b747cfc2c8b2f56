import { hasErrorBrand } from './brand.js';

/**
 * Base class of every error the library raises itself. `isTransient` tells the default
 * retry predicate (and the default fallback filter) whether trying again can help.
 * Default `isTransient`: `false`. Check it with {@link isResilienceError}, not `instanceof`.
 * @publicApi
 */
export class ResilienceError extends Error {
  /** Brand read by {@link isResilienceError} (survives two copies of the package). */
  readonly isResilienceError = true as const;
  /** True when a later attempt may succeed. Default `false`. */
  readonly isTransient: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /** A log-safe plain object: `name`, `message`, `isTransient` and the subclass's fields (never `cause`). */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, isTransient: this.isTransient };
  }
}

/**
 * True for any error of this library (core, Nest, HTTP or store layer), from any copy of the package.
 * @publicApi
 */
export function isResilienceError(error: unknown): error is ResilienceError {
  return hasErrorBrand(error, 'isResilienceError');
}
