import {
  ApiClientError,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  ClientClosedError,
  UpstreamConflictError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamNotFoundError,
  UpstreamServerError,
  UpstreamStatusError,
  errorFromResponse,
  extractProviderError,
  isQuotaExhausted,
} from 'nest-resilience/http';
import { inspect } from 'node:util';
import { isRetryableByDefault, ResilienceError } from 'nest-resilience';

const base = { method: 'post', url: 'https://api.example.com/v1/chat?model=x' };
const CANARY = 'sk-canary-XYZ';

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

describe('quota-exhausted 429s are permanent', () => {
  it('OpenAI insufficient_quota (string body and object body)', () => {
    const body = JSON.stringify({
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    });
    for (const b of [body, JSON.parse(body), Buffer.from(body)]) {
      const e = errorFromResponse({ ...base, status: 429, body: b }) as UpstreamRateLimitError;
      expect(e).toBeInstanceOf(UpstreamRateLimitError);
      expect(e.quotaExhausted).toBe(true);
      expect(e.isTransient).toBe(false);
      expect(e.code).toBe('insufficient_quota');
      expect(e.message).toContain('You exceeded your current quota');
    }
  });
  it('OpenAI rate_limit_exceeded stays transient', () => {
    const e = errorFromResponse({
      ...base,
      status: 429,
      body: {
        error: {
          message:
            'Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms.',
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    }) as UpstreamRateLimitError;
    expect(e.quotaExhausted).toBe(false);
    expect(e.isTransient).toBe(true);
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.type).toBe('tokens');
  });
  it('Gemini PerDay QuotaFailure is permanent; PerMinute is transient with RetryInfo', () => {
    const gemini = (quotaId: string) => ({
      error: {
        code: 429,
        message: 'You exceeded your current quota, please check your plan and billing details.',
        status: 'RESOURCE_EXHAUSTED',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' },
        ],
      },
    });
    const perDay = errorFromResponse({
      ...base,
      status: 429,
      body: JSON.stringify(gemini('GenerateRequestsPerDayPerProjectPerModel-FreeTier')),
    }) as UpstreamRateLimitError;
    expect(perDay.quotaExhausted).toBe(true);
    expect(perDay.isTransient).toBe(false);
    expect(perDay.code).toBe('RESOURCE_EXHAUSTED');
    expect(perDay.retryAfterMs).toBe(34_400);
    const perMinute = errorFromResponse({
      ...base,
      status: 429,
      body: JSON.stringify(gemini('GenerateRequestsPerMinutePerProjectPerModel-FreeTier')),
    }) as UpstreamRateLimitError;
    expect(perMinute.quotaExhausted).toBe(false);
    expect(perMinute.isTransient).toBe(true);
    expect(perMinute.retryAfterMs).toBe(34_400);
  });
  it('Anthropic billing error on a 429 is permanent; rate_limit_error is not', () => {
    const billing = {
      type: 'error',
      error: { type: 'billing_error', message: 'Your credit balance is too low.' },
      request_id: 'req_011',
    };
    expect(isQuotaExhausted(billing)).toBe(true);
    const e = errorFromResponse({ ...base, status: 429, body: billing }) as UpstreamRateLimitError;
    expect(e.quotaExhausted).toBe(true);
    expect(e.isTransient).toBe(false);
    const rl = errorFromResponse({
      ...base,
      status: 429,
      headers: { 'retry-after': '7' },
      body: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'Number of request tokens has exceeded your per-minute rate limit',
        },
      },
    }) as UpstreamRateLimitError;
    expect(rl.quotaExhausted).toBe(false);
    expect(rl.isTransient).toBe(true);
    expect(rl.retryAfterMs).toBe(7000);
    expect(rl.type).toBe('rate_limit_error');
  });
});

describe('provider messages and fields', () => {
  it('OpenAI body', () => {
    const e = errorFromResponse({
      ...base,
      status: 404,
      headers: { 'x-request-id': 'req_abc123' },
      body: '{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}',
    });
    expect(e).toBeInstanceOf(UpstreamNotFoundError);
    expect(e.message).toBe(
      'POST https://api.example.com/v1/chat?model=x failed with status 404: The model `gpt-9` does not exist or you do not have access to it.',
    );
    expect(e.code).toBe('model_not_found');
    expect(e.type).toBe('invalid_request_error');
    expect(e.requestId).toBe('req_abc123');
  });
  it('Anthropic 529 overloaded body; request-id header', () => {
    const e = errorFromResponse({
      ...base,
      status: 529,
      headers: { 'Request-Id': 'req_018EeWyXxfu5pfWkrYcMdjWG' },
      body: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_018EeWyXxfu5pfWkrYcMdjWG"}',
    });
    expect(e).toBeInstanceOf(UpstreamServerError);
    expect(e.isTransient).toBe(true);
    expect(e.type).toBe('overloaded_error');
    expect(e.message.endsWith(': Overloaded')).toBe(true);
    expect(e.requestId).toBe('req_018EeWyXxfu5pfWkrYcMdjWG');
  });
  it('request_id from an Anthropic body when no header', () => {
    const e = errorFromResponse({
      ...base,
      status: 500,
      body: { type: 'error', error: { type: 'api_error', message: 'Internal server error' }, request_id: 'req_body' },
    });
    expect(e.requestId).toBe('req_body');
    const text = errorFromResponse({
      ...base,
      status: 500,
      body: '{"type":"error","error":{"type":"api_error","message":"Internal server error"},"request_id":"req_text"}',
    });
    expect(text.requestId).toBe('req_text');
  });
  it('Gemini body: message, status as code', () => {
    const info = extractProviderError({
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [{ reason: 'API_KEY_INVALID' }],
      },
    });
    expect(info).toEqual({
      message: 'API key not valid. Please pass a valid API key.',
      status: 'INVALID_ARGUMENT',
      code: 'INVALID_ARGUMENT',
    });
  });
  it('generic {detail}, {message}, {error:"text"} and text bodies', () => {
    expect(extractProviderError('{"detail":"Not authenticated"}').message).toBe('Not authenticated');
    expect(extractProviderError({ message: 'nope' }).message).toBe('nope');
    expect(extractProviderError({ error: 'bad thing' }).message).toBe('bad thing');
    expect(extractProviderError('<html>502 Bad Gateway</html>')).toEqual({});
    const e = errorFromResponse({ ...base, status: 502, body: '<html>502 Bad Gateway</html>' });
    expect(e.body).toBe('<html>502 Bad Gateway</html>');
  });
  it('body truncated to 2 KB', () => {
    const e = errorFromResponse({ ...base, status: 500, body: 'x'.repeat(10_000) });
    expect(e.body!.startsWith('x'.repeat(2048))).toBe(true);
    expect(e.body!.length).toBe(2048 + '…[truncated]'.length);
  });
  it('retryAfterMs from any status (503 with retry-after)', () => {
    expect(errorFromResponse({ ...base, status: 503, headers: { 'Retry-After': '3' } }).retryAfterMs).toBe(3000);
    expect(errorFromResponse({ ...base, status: 503 }).retryAfterMs).toBeUndefined();
  });
});

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
