import {
  UpstreamNotFoundError,
  UpstreamServerError,
  errorFromResponse,
  extractProviderError,
} from 'nest-resilience/http';

const base = { method: 'post', url: 'https://api.example.com/v1/chat?model=x' };

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
