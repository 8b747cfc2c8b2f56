// The default `LlmProvider.errorFor`: the http layer's error taxonomy applied to a provider's reply.
import type { ApiClientError } from '../../http/errors/api-client.error.js';
import { errorFromResponse } from '../../http/errors/error-from-response.js';
import type { ProviderErrorContext } from './provider.js';

/**
 * A non-2xx provider response as a typed error: {@link errorFromResponse} with the context's
 * status, headers, body, method, url, secrets (scrubbed), `now` and `idempotent` (nothing else).
 * @internal
 */
export function providerErrorFromResponse(ctx: ProviderErrorContext): ApiClientError {
  return errorFromResponse({
    status: ctx.status,
    headers: ctx.headers,
    body: ctx.body,
    method: ctx.method,
    url: ctx.url,
    secrets: ctx.secrets,
    now: ctx.now,
    idempotent: ctx.idempotent,
  });
}
