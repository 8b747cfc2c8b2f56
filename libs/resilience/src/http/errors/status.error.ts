import { APIClientError, type APIClientErrorInit } from './api-client.error.js';

/** 400 Bad Request or 422 Unprocessable Entity. Permanent. @publicApi */
export class BadRequestError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, false);
  }
}

/** 401 Unauthorized: a missing, wrong or expired key. Permanent. @publicApi */
export class AuthenticationError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, false);
  }
}

/** 403 Forbidden: the key is valid but may not do this. Permanent. @publicApi */
export class PermissionDeniedError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, false);
  }
}

/** 404 Not Found (unknown model, route or resource). Permanent. @publicApi */
export class ResourceNotFoundError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, false);
  }
}

/** 409 Conflict (e.g. a concurrent update, an idempotency key in use). Transient. @publicApi */
export class ConflictError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, true);
  }
}

/** What a {@link RateLimitError} is built from. @publicApi */
export interface RateLimitErrorInit extends APIClientErrorInit {
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
export class RateLimitError extends APIClientError {
  /** The quota is used up (billing or per-day limit): not worth retrying. */
  readonly quotaExhausted: boolean;

  constructor(message: string, init: RateLimitErrorInit) {
    super(message, init, !init.quotaExhausted);
    this.quotaExhausted = init.quotaExhausted === true;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), quotaExhausted: this.quotaExhausted };
  }
}

/** 5xx, including 529 (Anthropic "overloaded"). Transient. @publicApi */
export class ServerError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, true);
  }
}

/**
 * Any other status the client did not accept (402, 405, 410, 413, 3xx, ...). Transient only
 * for 408 (and when `x-should-retry: true` says so).
 * @publicApi
 */
export class UnexpectedStatusError extends APIClientError {
  constructor(message: string, init: APIClientErrorInit) {
    super(message, init, init.status === 408);
  }
}
