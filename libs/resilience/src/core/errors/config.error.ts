import { hasErrorBrand } from './brand.js';
import { ResilienceError } from './resilience.error.js';

/**
 * Bad configuration (a programming error, never transient, never handled by a fallback).
 * The message names the option path (`bulkheads.db.maxConcurrent`) and the bad value.
 * @publicApi
 */
export class ResilienceConfigError extends ResilienceError {
  /** Brand read by {@link isResilienceConfigError}. */
  readonly isResilienceConfigError = true as const;

  constructor(
    /** The option path, e.g. `breakers.payments.failureThreshold`. */
    readonly path: string,
    /** The value given. Not part of `toJSON()` (it may be a key); the message shows it via {@link describeValue}. */
    readonly value: unknown,
    /** What was expected, e.g. `an integer >= 1`. */
    readonly expected: string,
    /** False: the message does not show a string value (an unknown option's: a mistyped `apikey` may hold a key). */
    showStrings = true,
  ) {
    const shown = showStrings || typeof value !== 'string' ? describeValue(value) : 'a string (not shown)';
    super(`Invalid resilience option ${path}: ${shown} (expected ${expected})`);
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path, expected: this.expected };
  }
}

/** True for a {@link ResilienceConfigError} from any copy of the package. @publicApi */
export function isResilienceConfigError(error: unknown): error is ResilienceConfigError {
  return hasErrorBrand(error, 'isResilienceConfigError');
}

/**
 * Renders a value for an error message without dumping large objects: strings quoted,
 * numbers / booleans / null as is, `function name`, `array(n)`, else `[object Type]`.
 * @publicApi
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (Array.isArray(value)) return `array(${value.length})`;
  return Object.prototype.toString.call(value);
}
