import { redactUrl } from '../headers/headers.js';
import { ApiClientError, type ApiClientErrorInit } from './api-client.error.js';

/**
 * No response arrived: connection refused or reset (also mid-body), DNS failure, socket
 * closed. `code` holds the Node code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...). Transient.
 * @publicApi
 */
export class UpstreamConnectionError extends ApiClientError {
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, true);
  }
}

/** What an {@link UpstreamTimeoutError} is built from. @publicApi */
export interface APITimeoutErrorInit extends ApiClientErrorInit {
  /** The timeout that expired, ms. */
  timeoutMs?: number;
}

/** The request did not complete within its timeout. Transient. @publicApi */
export class UpstreamTimeoutError extends ApiClientError {
  /** The timeout that expired, ms (when known). */
  readonly timeoutMs?: number;

  constructor(message: string, init: APITimeoutErrorInit) {
    super(message, init, true);
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
  constructor(message: string, init: ApiClientErrorInit) {
    super(message, init, false);
  }
}

/** A request was made on a client after `close()`. Never transient. @publicApi */
export class ClientClosedError extends ApiClientError {
  /** Name of the closed client, when it has one. */
  readonly client?: string;

  constructor(init: { method: string; url: string; client?: string; secrets?: readonly string[] }) {
    super(
      `${init.client !== undefined ? `API client '${init.client}'` : 'API client'} is closed: ${String(init.method).toUpperCase()} ${redactUrl(init.url, init.secrets)} was not sent`,
      init,
      false,
    );
    if (init.client !== undefined) this.client = init.client;
  }

  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.client !== undefined) out.client = this.client;
    return out;
  }
}
