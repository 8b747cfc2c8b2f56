import {
  ApiClientError,
  UpstreamAuthenticationError,
  ClientClosedError,
  errorFromResponse,
} from 'nest-resilience/http';
import { inspect } from 'node:util';

const base = { method: 'post', url: 'https://api.example.com/v1/chat?model=x' };
const CANARY = 'sk-canary-XYZ';

describe('secrets never reach the error', () => {
  const leak = (err: ApiClientError) => {
    const json = JSON.stringify(err);
    const all = `${json}\n${err.message}\n${err.stack}\n${JSON.stringify(err.headers)}\n${err.url}\n${err.body ?? ''}\n${inspect(err, { depth: 20 })}\n${String(err)}`;
    return all;
  };

  it('toJSON has no Authorization / cookie header, no canary in url query, headers or body', () => {
    const err = errorFromResponse({
      method: 'get',
      url: `https://generativelanguage.googleapis.com/v1beta/models?key=${CANARY}&api_key=${CANARY}&access_token=${CANARY}&X-Amz-Signature=${CANARY}&page=2#frag`,
      status: 401,
      headers: {
        Authorization: `Bearer ${CANARY}`,
        'x-api-key': CANARY,
        'Set-Cookie': ['session=abc', `token=${CANARY}`],
        'x-goog-api-key': CANARY,
        'x-echo': `got Bearer ${CANARY}`,
        'x-request-id': 'req_1',
      },
      body: {
        error: {
          message: `Incorrect API key provided: ${CANARY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    });
    expect(err).toBeInstanceOf(UpstreamAuthenticationError);
    const text = leak(err);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain('canary');
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text).not.toContain('session=abc');
    expect(err.url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models?key=[REDACTED]&api_key=[REDACTED]&access_token=[REDACTED]&X-Amz-Signature=[REDACTED]&page=2',
    );
    expect(Object.keys(err.headers).sort()).toEqual(['x-echo', 'x-request-id']);
    expect(err.headers['x-echo']).toBe('got Bearer [REDACTED]');
    expect(err.toJSON()).toEqual({
      name: 'UpstreamAuthenticationError',
      message: expect.stringContaining('Incorrect API key provided: [REDACTED]'),
      isTransient: false,
      method: 'GET',
      url: err.url,
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
      requestId: 'req_1',
      headers: { 'x-echo': 'got Bearer [REDACTED]', 'x-request-id': 'req_1' },
      body: expect.stringContaining('[REDACTED]'),
    });
  });

  it('a configured secret of any shape is scrubbed everywhere', () => {
    const secret = 'plain-secret-123';
    const err = errorFromResponse({
      method: 'post',
      url: `https://x.test/v1/${secret}/run?q=${secret}`,
      status: 500,
      headers: { 'x-debug': `key was ${secret}` },
      body: `oops ${secret}`,
      secrets: [secret],
    });
    expect(leak(err)).not.toContain(secret);
    expect(err.url).toBe('https://x.test/v1/[REDACTED]/run?q=[REDACTED]');
  });

  it('an axios-shaped cause (config with the auth header) is replaced by a sanitized copy', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 500'), {
      name: 'AxiosError',
      code: 'ERR_BAD_RESPONSE',
      config: { headers: { Authorization: `Bearer ${CANARY}` }, url: `/x?key=${CANARY}` },
      request: { _header: `GET /x HTTP/1.1\r\nAuthorization: Bearer ${CANARY}` },
    });
    const err = errorFromResponse({ ...base, status: 500, cause: axiosLike });
    expect(leak(err)).not.toContain(CANARY);
    const cause = err.cause as Error & { code?: string; config?: unknown };
    expect(cause).not.toBe(axiosLike);
    expect(cause.name).toBe('AxiosError');
    expect(cause.code).toBe('ERR_BAD_RESPONSE');
    expect(cause.message).toBe('Request failed with status code 500');
    expect(cause.config).toBeUndefined();
    // an ordinary cause is kept as is
    const plain = new Error('inner');
    expect(errorFromResponse({ ...base, status: 500, cause: plain }).cause).toBe(plain);
  });

  it('user-info in the URL is dropped', () => {
    const err = errorFromResponse({ method: 'get', url: `https://user:${CANARY}@x.test/a?b=1`, status: 500 });
    expect(err.url).toBe('https://x.test/a?b=1');
  });

  it('ClientClosedError is typed, permanent and redacts the url', () => {
    const e = new ClientClosedError({ method: 'get', url: `/v1/models?key=${CANARY}`, client: 'openai' });
    expect(e).toBeInstanceOf(ApiClientError);
    expect(e.isTransient).toBe(false);
    expect(e.message).toBe("API client 'openai' is closed: GET /v1/models?key=[REDACTED] was not sent");
    expect(JSON.stringify(e)).not.toContain(CANARY);
    expect(e.toJSON()).toMatchObject({ name: 'ClientClosedError', client: 'openai', url: '/v1/models?key=[REDACTED]' });
  });
});
