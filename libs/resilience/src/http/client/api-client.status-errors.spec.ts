import {
  ApiClientError,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamConflictError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamNotFoundError,
  UpstreamServerError,
  UpstreamStatusError,
} from '../index.js';
import { client, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

describe('ApiClient status → error class', () => {
  const cases: [number, new (...a: never[]) => ApiClientError, boolean][] = [
    [400, UpstreamBadRequestError, false],
    [401, UpstreamAuthenticationError, false],
    [403, UpstreamPermissionError, false],
    [404, UpstreamNotFoundError, false],
    [408, UpstreamStatusError, true],
    [409, UpstreamConflictError, true],
    [410, UpstreamStatusError, false],
    [422, UpstreamBadRequestError, false],
    [429, UpstreamRateLimitError, true],
    [500, UpstreamServerError, true],
    [503, UpstreamServerError, true],
    [529, UpstreamServerError, true],
    [302, UpstreamStatusError, false],
  ];
  it.each(cases)('%i → %p (transient %p)', async (status, cls, transient) => {
    const e = (await failure(client().request('GET', `/status/${status}?page=2`))) as ApiClientError;
    expect(e).toBeInstanceOf(cls);
    expect(e.constructor).toBe(cls);
    expect(e.status).toBe(status);
    expect(e.isTransient).toBe(transient);
    expect(e.method).toBe('GET');
    expect(e.url).toBe(`${srv.baseUrl}/status/${status}?page=2`);
    expect(e.requestId).toBe(`req_${status}`);
    if (status === 429) expect((e as UpstreamRateLimitError).retryAfterMs).toBe(2000);
  });
});
