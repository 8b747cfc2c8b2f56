import { hasErrorBrand } from '../../core/errors/brand.js';
import { ApiClientError } from './api-client.error.js';

/** Why a request was refused before any I/O. @publicApi */
export type InvalidRequestReason =
  | 'host-override'
  | 'invalid-path'
  | 'invalid-method'
  | 'body-conflict'
  | 'invalid-option'
  | 'unknown-option'
  | 'path-param'
  | 'sdk-transport';

/**
 * A request the client refused to send (a caller bug, never transient): an absolute or
 * protocol-relative path on a client that does not allow them, a bad method, both `json` and
 * `data`, an unknown `call()` option, a missing `{param}` in an endpoint path.
 * Nothing was sent. The URL is stored redacted (see `ApiClientError`).
 * @publicApi
 */
export class InvalidRequestError extends ApiClientError {
  /** Brand read by {@link isInvalidRequestError}. */
  readonly isInvalidRequestError = true as const;
  /** What is wrong with the request. */
  readonly reason: InvalidRequestReason;

  constructor(
    reason: InvalidRequestReason,
    message: string,
    init: { method: string; url: string; secrets?: readonly string[] },
  ) {
    super(message, init);
    this.reason = reason;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

/**
 * The request path would change the host: an absolute URL (`https://other/...`) or a
 * protocol-relative one (`//other/...`, `\\other`), on a client created without
 * `allowAbsoluteUrls`. Raised before any I/O, so the client's credentials never leave for
 * another host.
 * @publicApi
 */
export class HostOverrideError extends InvalidRequestError {
  /** Brand read by {@link isHostOverrideError}. */
  readonly isHostOverrideError = true as const;

  constructor(init: { method: string; url: string; client?: string; secrets?: readonly string[] }) {
    super(
      'host-override',
      `${init.client !== undefined ? `API client '${init.client}'` : 'API client'} refused ${String(init.method).toUpperCase()} to an absolute or protocol-relative URL (set allowAbsoluteUrls to permit it)`,
      init,
    );
  }
}

/** True for an {@link InvalidRequestError} (including a {@link HostOverrideError}) from any copy of the package. @publicApi */
export function isInvalidRequestError(error: unknown): error is InvalidRequestError {
  return hasErrorBrand(error, 'isInvalidRequestError');
}

/** True for a {@link HostOverrideError} from any copy of the package. @publicApi */
export function isHostOverrideError(error: unknown): error is HostOverrideError {
  return hasErrorBrand(error, 'isHostOverrideError');
}
