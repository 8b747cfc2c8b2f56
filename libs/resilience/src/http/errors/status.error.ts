import { ApiClientError, type ApiClientErrorInit } from './api-client.error.js';

/** 400 Bad Request or 422 Unprocessable Entity. Permanent. @publicApi */
export class UpstreamBadRequestError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, false);
  }
}

/** 401 Unauthorized: a missing, wrong or expired key. Permanent. @publicApi */
export class UpstreamAuthenticationError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, false);
  }
}

/** 403 Forbidden: the key is valid but may not do this. Permanent. @publicApi */
export class UpstreamPermissionError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, false);
  }
}

/** 404 Not Found (unknown model, route or resource). Permanent. @publicApi */
export class UpstreamNotFoundError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, false);
  }
}

/** 409 Conflict (e.g. a concurrent update, an idempotency key in use). Transient. @publicApi */
export class UpstreamConflictError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, true);
  }
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
 * 429 Too Many Requests. Transient (`retryAfterMs` tells when), unless `quotaExhausted`.
 * @publicApi
 */
export class UpstreamRateLimitError extends ApiClientError {
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
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, true);
  }
}

/**
 * Any other status the client did not accept (402, 405, 410, 413, 3xx, ...). Transient only
 * for 408 (and when `x-should-retry: true` says so).
 * @publicApi
 */
export class UpstreamStatusError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, init.status === 408);
  }
}
