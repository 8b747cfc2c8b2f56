// Error replies of a real OpenAI server mapped by openAIProvider.errorFor, and the canary key
// never leaking through any of them.
import {
  ApiClientError,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamNotFoundError,
  UpstreamRateLimitError,
  UpstreamServerError,
  normalizeHeaders,
} from 'nest-resilience/http';
import type { ProviderConfig } from '../provider.js';
import {
  openAIContextLengthExceeded,
  openAIInsufficientQuota,
  openAIInvalidKey,
  openAIRateLimited,
  openAIServerError,
  startOpenAIServer,
  type OpenAIServer,
} from '../../testing-support/openai-server.js';
import { openAIProvider } from './openai.provider.js';

const KEY = 'sk-canary-7f3a9e';

describe('openAIProvider.errorFor over a real server', () => {
  let server: OpenAIServer;
  let config: ProviderConfig;
  beforeAll(async () => {
    server = await startOpenAIServer();
    config = { model: 'gpt-4o-mini', apiKey: KEY, baseUrl: server.apiBaseUrl, maxTokens: 64 };
  });
  afterAll(() => server.close());

  /** One chat call that must fail; returns the typed error after the canary checks. */
  async function fail(path?: string): Promise<ApiClientError> {
    const r = openAIProvider.chatRequest({ messages: [{ role: 'user', content: 'q' }] }, config, false);
    const url = `${config.baseUrl}${path ?? r.path}?api_key=${KEY}`;
    const res = await fetch(url, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
    expect(res.ok).toBe(false);
    const ctx = { status: res.status, headers: normalizeHeaders(res.headers), body: await res.text() };
    const err = openAIProvider.errorFor({ ...ctx, method: 'POST', url, secrets: [KEY], now: 0, idempotent: false });
    for (const s of [JSON.stringify(err), String(err), err.stack ?? '', JSON.stringify(err.toJSON())])
      expect(s).not.toContain(KEY);
    return err;
  }

  it('401 invalid_api_key (message echoing the key) → UpstreamAuthenticationError, permanent, key scrubbed', async () => {
    server.enqueue(openAIInvalidKey(KEY));
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamAuthenticationError);
    expect(err.isTransient).toBe(false);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).toContain('Incorrect API key provided');
  });

  it('429 rate_limit_exceeded with retry-after → UpstreamRateLimitError, transient, retryAfterMs', async () => {
    server.enqueue(openAIRateLimited({ retryAfterSec: 2 }));
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamRateLimitError);
    expect(err.isTransient).toBe(true);
    expect(err.retryAfterMs).toBe(2000);
    expect((err as UpstreamRateLimitError).quotaExhausted).toBe(false);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.headers['x-ratelimit-remaining-tokens']).toBe('0');
    expect(err.requestId).toBe('req_err_429');
  });

  it('429 insufficient_quota → UpstreamRateLimitError, quota exhausted, permanent', async () => {
    server.enqueue(openAIInsufficientQuota());
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamRateLimitError);
    expect((err as UpstreamRateLimitError).quotaExhausted).toBe(true);
    expect(err.isTransient).toBe(false);
  });

  it('400 context_length_exceeded → UpstreamBadRequestError, permanent, code kept', async () => {
    server.enqueue(openAIContextLengthExceeded());
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamBadRequestError);
    expect(err.isTransient).toBe(false);
    expect(err.code).toBe('context_length_exceeded');
  });

  it('500 server_error → UpstreamServerError, not retried (POST may have been processed)', async () => {
    server.enqueue(openAIServerError(500));
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamServerError);
    expect(err.isTransient).toBe(false);
    expect(err.notRetriedReason).toBeDefined();
  });

  it.each([503, 529])('%i → UpstreamServerError, transient (not processed)', async (status) => {
    server.enqueue(openAIServerError(status));
    const err = await fail();
    expect(err).toBeInstanceOf(UpstreamServerError);
    expect(err.isTransient).toBe(true);
  });

  it('x-should-retry: true makes a 500 transient', async () => {
    const reply = openAIServerError(500);
    server.enqueue({ ...reply, headers: { ...reply.headers, 'x-should-retry': 'true' } });
    expect((await fail()).isTransient).toBe(true);
  });

  it('an unknown path → UpstreamNotFoundError from the default answer; the URL key is redacted', async () => {
    const err = await fail('/v1/nope');
    expect(err).toBeInstanceOf(UpstreamNotFoundError);
    expect(err.url).not.toContain(KEY);
  });
});
