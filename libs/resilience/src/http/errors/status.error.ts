import { hasErrorBrand } from '../../core/errors/brand.js';
import { ApiClientError, type ApiClientErrorInit } from './api-client.error.js';

// Each class only states its brand and whether it is transient by default (`transientByDefault`):
// the constructor is ApiClientError's, `(message, init)`. `errorFromResponse` picks the class.

/** 400 Bad Request or 422 Unprocessable Entity. Permanent. @publicApi */
export class UpstreamBadRequestError extends ApiClientError {
  /** Brand read by {@link isUpstreamBadRequestError}. */
  readonly isUpstreamBadRequestError = true as const;
}

/** 401 Unauthorized: a missing, wrong or expired key. Permanent. @publicApi */
export class UpstreamAuthenticationError extends ApiClientError {
  /** Brand read by {@link isUpstreamAuthenticationError}. */
  readonly isUpstreamAuthenticationError = true as const;
}

/** 403 Forbidden: the key is valid but may not do this. Permanent. @publicApi */
export class UpstreamPermissionError extends ApiClientError {
  /** Brand read by {@link isUpstreamPermissionError}. */
  readonly isUpstreamPermissionError = true as const;
}

/** 404 Not Found (unknown model, route or resource). Permanent. @publicApi */
export class UpstreamNotFoundError extends ApiClientError {
  /** Brand read by {@link isUpstreamNotFoundError}. */
  readonly isUpstreamNotFoundError = true as const;
}

/** 409 Conflict (e.g. a concurrent update, an idempotency key in use). Transient. @publicApi */
export class UpstreamConflictError extends ApiClientError {
  protected static override readonly transientByDefault: boolean = true;
  /** Brand read by {@link isUpstreamConflictError}. */
  readonly isUpstreamConflictError = true as const;
}

/** What a {@link UpstreamRateLimitError} is built from. @publicApi */
export interface UpstreamRateLimitErrorInit extends ApiClientErrorInit {
  /**
   * True when the 429 means a quota is used up (OpenAI `insufficient_quota`, a Gemini per-day
   * quota, Anthropic billing): retrying before the reset cannot help, so it is permanent.
   */
  quotaExhausted?: boolean;
}

/**
 * 429 Too Many Requests **sent by the upstream**. Transient (`retryAfterMs` tells when), unless
 * `quotaExhausted`. The local limiter's refusal is `RateLimiterRejectedError` (core).
 * @publicApi
 */
export class UpstreamRateLimitError extends ApiClientError {
  /** Brand read by {@link isUpstreamRateLimitError}. */
  readonly isUpstreamRateLimitError = true as const;
  /** The quota is used up (billing or per-day limit): not worth retrying. */
  readonly quotaExhausted: boolean;

  constructor(message: string, init: UpstreamRateLimitErrorInit) {
    super(message, init, !init.quotaExhausted);
    this.quotaExhausted = init.quotaExhausted === true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), quotaExhausted: this.quotaExhausted };
  }
}

/** 5xx, including 529 (Anthropic "overloaded"). Transient. @publicApi */
export class UpstreamServerError extends ApiClientError {
  protected static override readonly transientByDefault: boolean = true;
  /** Brand read by {@link isUpstreamServerError}. */
  readonly isUpstreamServerError = true as const;
}

/**
 * Any other status the client did not accept (402, 405, 410, 413, 3xx, ...). Transient only
 * for 408 (and when `x-should-retry: true` says so).
 * @publicApi
 */
export class UpstreamStatusError extends ApiClientError {
  /** Brand read by {@link isUpstreamStatusError}. */
  readonly isUpstreamStatusError = true as const;

  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, init.status === 408);
  }
}

/** True for an {@link UpstreamBadRequestError} from any copy of the package. @publicApi */
export function isUpstreamBadRequestError(error: unknown): error is UpstreamBadRequestError {
  return hasErrorBrand(error, 'isUpstreamBadRequestError');
}

/** True for an {@link UpstreamAuthenticationError} from any copy of the package. @publicApi */
export function isUpstreamAuthenticationError(error: unknown): error is UpstreamAuthenticationError {
  return hasErrorBrand(error, 'isUpstreamAuthenticationError');
}

/** True for an {@link UpstreamPermissionError} from any copy of the package. @publicApi */
export function isUpstreamPermissionError(error: unknown): error is UpstreamPermissionError {
  return hasErrorBrand(error, 'isUpstreamPermissionError');
}

/** True for an {@link UpstreamNotFoundError} from any copy of the package. @publicApi */
export function isUpstreamNotFoundError(error: unknown): error is UpstreamNotFoundError {
  return hasErrorBrand(error, 'isUpstreamNotFoundError');
}

/** True for an {@link UpstreamConflictError} from any copy of the package. @publicApi */
export function isUpstreamConflictError(error: unknown): error is UpstreamConflictError {
  return hasErrorBrand(error, 'isUpstreamConflictError');
}

/** True for an {@link UpstreamRateLimitError} (an upstream 429) from any copy of the package. @publicApi */
export function isUpstreamRateLimitError(error: unknown): error is UpstreamRateLimitError {
  return hasErrorBrand(error, 'isUpstreamRateLimitError');
}

/** True for an {@link UpstreamServerError} from any copy of the package. @publicApi */
export function isUpstreamServerError(error: unknown): error is UpstreamServerError {
  return hasErrorBrand(error, 'isUpstreamServerError');
}

/** True for an {@link UpstreamStatusError} from any copy of the package. @publicApi */
export function isUpstreamStatusError(error: unknown): error is UpstreamStatusError {
  return hasErrorBrand(error, 'isUpstreamStatusError');
}
