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
  errorFromResponse,
} from 'nest-resilience/http';
import { isRetryableByDefault, ResilienceError } from 'nest-resilience';

const base = { method: 'post', url: 'https://api.example.com/v1/chat?model=x' };

describe('errorFromResponse: status → class and isTransient', () => {
  const table: Array<[number, abstract new (...a: never[]) => ApiClientError, boolean]> = [
    [400, UpstreamBadRequestError, false],
    [401, UpstreamAuthenticationError, false],
    [402, UpstreamStatusError, false],
    [403, UpstreamPermissionError, false],
    [404, UpstreamNotFoundError, false],
    [405, UpstreamStatusError, false],
    [408, UpstreamStatusError, true],
    [409, UpstreamConflictError, true],
    [410, UpstreamStatusError, false],
    [413, UpstreamStatusError, false],
    [422, UpstreamBadRequestError, false],
    [429, UpstreamRateLimitError, true],
    [500, UpstreamServerError, true],
    [501, UpstreamServerError, true],
    [502, UpstreamServerError, true],
    [503, UpstreamServerError, true],
    [504, UpstreamServerError, true],
    [529, UpstreamServerError, true],
    [599, UpstreamServerError, true],
    [302, UpstreamStatusError, false],
  ];
  it.each(table)('%i → %p (transient %p)', (status, cls, transient) => {
    const err = errorFromResponse({ ...base, status });
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(ApiClientError);
    expect(err).toBeInstanceOf(ResilienceError);
    expect(err.constructor).toBe(cls);
    expect(err.name).toBe(cls.name);
    expect(err.status).toBe(status);
    expect(err.isTransient).toBe(transient);
    expect(isRetryableByDefault(err)).toBe(transient);
    expect(err.method).toBe('POST');
    expect(err.url).toBe('https://api.example.com/v1/chat?model=x');
    expect(err.message).toBe(`POST https://api.example.com/v1/chat?model=x failed with status ${status}`);
  });
});

describe('x-should-retry override', () => {
  it('false makes a 5xx/429 permanent', () => {
    expect(errorFromResponse({ ...base, status: 503, headers: { 'X-Should-Retry': 'false' } }).isTransient).toBe(false);
    expect(errorFromResponse({ ...base, status: 429, headers: { 'x-should-retry': 'false' } }).isTransient).toBe(false);
  });
  it('true makes a 4xx transient', () => {
    const e = errorFromResponse({ ...base, status: 400, headers: { 'x-should-retry': 'true' } });
    expect(e).toBeInstanceOf(UpstreamBadRequestError);
    expect(e.isTransient).toBe(true);
    expect(
      errorFromResponse({
        ...base,
        status: 429,
        headers: { 'x-should-retry': 'TRUE' },
        body: { error: { code: 'insufficient_quota' } },
      }).isTransient,
    ).toBe(true);
  });
  it('other values are ignored', () => {
    expect(errorFromResponse({ ...base, status: 503, headers: { 'x-should-retry': 'maybe' } }).isTransient).toBe(true);
  });
});
