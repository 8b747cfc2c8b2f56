import {
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamNotFoundError,
  UpstreamPermissionError,
  UpstreamRateLimitError,
  UpstreamServerError,
  UpstreamStatusError,
  type ApiClientError,
} from 'nest-resilience/http';
import type { LlmTestServer, Scripted } from '../../testing-support/llm-test-server.js';
import {
  anthropicBadRequest,
  anthropicError,
  anthropicOverloaded,
  anthropicRateLimited,
  anthropicUnauthorized,
  startAnthropicServer,
} from '../../testing-support/anthropic-server.js';
import { anthropicProvider } from './anthropic.provider.js';

const CANARY = 'sk-canary-7f3a9e';
const NOW = Date.UTC(2026, 0, 1);

function expectNoCanary(e: ApiClientError): void {
  expect(JSON.stringify(e)).not.toContain(CANARY);
  expect(String(e)).not.toContain(CANARY);
  expect(e.stack ?? '').not.toContain(CANARY);
  expect(JSON.stringify(e.toJSON())).not.toContain(CANARY);
}

describe('anthropicProvider.errorFor on the test server’s error answers', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startAnthropicServer();
  });
  afterAll(() => server.close());

  /** Sends one chat request (answered by `answer`, or the default; `apiKey` null: no key header) and maps the non-2xx answer. */
  async function failWith(answer?: Scripted, apiKey: string | null = CANARY): Promise<ApiClientError> {
    if (answer !== undefined) server.enqueue(answer);
    const config = { model: 'claude-test', apiKey: apiKey ?? '', baseUrl: server.baseUrl, maxTokens: 32 };
    const req = anthropicProvider.chatRequest({ messages: [{ role: 'user', content: 'hi' }] }, config, false);
    if (apiKey === null) delete req.headers['x-api-key'];
    const url = config.baseUrl + req.path;
    const res = await fetch(url, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body) });
    expect(res.ok).toBe(false);
    const e = anthropicProvider.errorFor({
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: await res.text(),
      method: 'POST',
      url,
      secrets: [CANARY],
      now: NOW,
      idempotent: anthropicProvider.idempotent,
    });
    expectNoCanary(e);
    return e;
  }

  it('529 overloaded_error is a transient UpstreamServerError (not processed: retried although POST)', async () => {
    const e = await failWith(anthropicOverloaded());
    expect(e).toBeInstanceOf(UpstreamServerError);
    expect(e).toMatchObject({ status: 529, type: 'overloaded_error', isTransient: true, requestId: 'req_test_error' });
    expect(e.notRetriedReason).toBeUndefined();
    expect(e.message).toContain('Overloaded');
  });

  it('429 rate_limit_error is a transient UpstreamRateLimitError with retry-after', async () => {
    const e = await failWith(anthropicRateLimited(7));
    expect(e).toBeInstanceOf(UpstreamRateLimitError);
    expect(e).toMatchObject({ status: 429, type: 'rate_limit_error', isTransient: true, retryAfterMs: 7000 });
    expect((e as UpstreamRateLimitError).quotaExhausted).toBe(false);
  });

  it('401 authentication_error is a permanent UpstreamAuthenticationError (scripted and default)', async () => {
    const scripted = await failWith(anthropicUnauthorized());
    expect(scripted).toBeInstanceOf(UpstreamAuthenticationError);
    expect(scripted.isTransient).toBe(false);
    const missingKey = await failWith(undefined, null);
    expect(missingKey).toBeInstanceOf(UpstreamAuthenticationError);
    expect(missingKey.type).toBe('authentication_error');
  });

  it('400 invalid_request_error is a permanent UpstreamBadRequestError', async () => {
    const e = await failWith(anthropicBadRequest('max_tokens: must be positive'));
    expect(e).toBeInstanceOf(UpstreamBadRequestError);
    expect(e).toMatchObject({ status: 400, type: 'invalid_request_error', isTransient: false });
    expect(e.message).toContain('max_tokens: must be positive');
  });

  it('500 api_error is not retried for a POST (may have been processed) unless x-should-retry: true', async () => {
    const plain = await failWith(anthropicError(500, 'api_error', 'Internal server error'));
    expect(plain).toBeInstanceOf(UpstreamServerError);
    expect(plain.isTransient).toBe(false);
    expect(plain.notRetriedReason).toBeDefined();
    const told = await failWith(anthropicError(500, 'api_error', 'Internal', { 'x-should-retry': 'true' }));
    expect(told.isTransient).toBe(true);
  });

  it('503 is transient; 529 with x-should-retry: false is not', async () => {
    expect((await failWith(anthropicError(503, 'api_error', 'unavailable'))).isTransient).toBe(true);
    const e = await failWith({ ...anthropicOverloaded(), headers: { 'x-should-retry': 'false' } });
    expect(e.isTransient).toBe(false);
  });

  it.each([
    [403, 'permission_error', UpstreamPermissionError],
    [404, 'not_found_error', UpstreamNotFoundError],
    [413, 'request_too_large', UpstreamStatusError],
    [504, 'timeout_error', UpstreamServerError],
  ])('%d %s is a permanent %p', async (status, type, cls) => {
    const e = await failWith(anthropicError(status, type, 'no'));
    expect(e).toBeInstanceOf(cls);
    expect(e).toMatchObject({ status, type, isTransient: false });
  });

  it('402 billing_error is permanent', async () => {
    const e = await failWith(anthropicError(402, 'billing_error', 'Your credit balance is too low'));
    expect(e).toBeInstanceOf(UpstreamStatusError);
    expect(e).toMatchObject({ status: 402, type: 'billing_error', isTransient: false });
  });

  it('never carries the key, even when the error body and the URL echo it', async () => {
    const e = await failWith(anthropicError(401, 'authentication_error', `invalid x-api-key: ${CANARY}`));
    expect(e.body ?? '').not.toContain(CANARY);
    const direct = anthropicProvider.errorFor({
      status: 400,
      headers: { 'request-id': 'req_1' },
      body: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: `bad ${CANARY}` } }),
      method: 'POST',
      url: `http://127.0.0.1:1/v1/messages?key=${CANARY}`,
      secrets: [CANARY],
      now: NOW,
      idempotent: false,
    });
    expectNoCanary(direct);
    expect(direct.requestId).toBe('req_1');
  });
});
