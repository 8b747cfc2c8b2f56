import { hasErrorBrand } from '../../core/errors/brand.js';
import { redactUrl } from '../headers/headers.js';
import { ApiClientError, type ApiClientErrorInit } from './api-client.error.js';

/**
 * No response arrived: connection refused or reset (also mid-body), DNS failure, socket
 * closed. `code` holds the Node code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...; the
 * `connection` codes of `NETWORK_ERROR_CODES`). Transient.
 * @publicApi
 */
export class UpstreamConnectionError extends ApiClientError {
  protected static override readonly transientByDefault: boolean = true;
  /** Brand read by {@link isUpstreamConnectionError}. */
  readonly isUpstreamConnectionError = true as const;
}

/** What an {@link UpstreamTimeoutError} is built from. @publicApi */
export interface UpstreamTimeoutErrorInit extends ApiClientErrorInit {
  /** The timeout that expired, ms. */
  timeoutMs?: number;
}

/**
 * The request did not complete within the HTTP client's `timeoutMs` (or the transport reported
 * a `timeout` code of `NETWORK_ERROR_CODES`). Transient. Not the core `TimeoutError`, which a
 * `@Timeout()` policy raises around any call.
 * @publicApi
 */
export class UpstreamTimeoutError extends ApiClientError {
  protected static override readonly transientByDefault: boolean = true;
  /** Brand read by {@link isUpstreamTimeoutError}. */
  readonly isUpstreamTimeoutError = true as const;
  /** The timeout that expired, ms (when known). */
  readonly timeoutMs?: number;

  constructor(message: string, init: UpstreamTimeoutErrorInit) {
    super(message, init);
    if (init.timeoutMs !== undefined) this.timeoutMs = init.timeoutMs;
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.timeoutMs !== undefined) out.timeoutMs = this.timeoutMs;
    return out;
  }
}

/**
 * The caller cancelled the request (its `AbortSignal` fired, or axios `CanceledError`) and no
 * abort reason was available to rethrow. Never transient. See `errorFromTransport`.
 * @publicApi
 */
export class RequestAbortedError extends ApiClientError {
  /** Brand read by {@link isRequestAbortedError}. */
  readonly isRequestAbortedError = true as const;
}

/** A request was made on a client after `close()`. Never transient. @publicApi */
export class ClientClosedError extends ApiClientError {
  /** Brand read by {@link isClientClosedError}. */
  readonly isClientClosedError = true as const;
  /** Name of the closed client, when it has one. */
  readonly client?: string;

  constructor(init: { method: string; url: string; client?: string; secrets?: readonly string[] }) {
    super(
      `${init.client !== undefined ? `API client '${init.client}'` : 'API client'} is closed: ${String(init.method).toUpperCase()} ${redactUrl(init.url, init.secrets)} was not sent`,
      init,
    );
    if (init.client !== undefined) this.client = init.client;
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.client !== undefined) out.client = this.client;
    return out;
  }
}

/** True for an {@link UpstreamConnectionError} from any copy of the package. @publicApi */
export function isUpstreamConnectionError(error: unknown): error is UpstreamConnectionError {
  return hasErrorBrand(error, 'isUpstreamConnectionError');
}

/** True for an {@link UpstreamTimeoutError} from any copy of the package. @publicApi */
export function isUpstreamTimeoutError(error: unknown): error is UpstreamTimeoutError {
  return hasErrorBrand(error, 'isUpstreamTimeoutError');
}

/** True for a {@link RequestAbortedError} from any copy of the package. @publicApi */
export function isRequestAbortedError(error: unknown): error is RequestAbortedError {
  return hasErrorBrand(error, 'isRequestAbortedError');
}

/** True for a {@link ClientClosedError} from any copy of the package. @publicApi */
export function isClientClosedError(error: unknown): error is ClientClosedError {
  return hasErrorBrand(error, 'isClientClosedError');
}
