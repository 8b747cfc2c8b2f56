import type { ApiClientError } from '../../../http/errors/api-client.error.js';
import {
  isUpstreamAuthenticationError,
  isUpstreamBadRequestError,
  isUpstreamNotFoundError,
  isUpstreamPermissionError,
  isUpstreamRateLimitError,
  isUpstreamServerError,
  type UpstreamRateLimitError,
} from '../../../http/errors/status.error.js';
import { normalizeHeaders } from '../../../http/headers/headers.js';
import type { LlmTestServer, ScriptedReply } from '../../testing-support/llm-test-server.js';
import { geminiErrorBody, geminiErrors, startGeminiServer } from '../../testing-support/gemini-server.js';
import type { ProviderConfig } from '../provider.js';
import { isGeminiApiKeyInvalid } from './gemini-errors.js';
import { geminiProvider } from './gemini.provider.js';

const CANARY = 'sk-canary-7f3a9e';

function assertNoCanary(e: ApiClientError): void {
  for (const s of [String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(e.toJSON()), e.url])
    expect(s).not.toContain(CANARY);
}

describe('geminiProvider.errorFor (real responses from a Gemini server)', () => {
  let server: LlmTestServer;
  let config: ProviderConfig;
  beforeAll(async () => {
    server = await startGeminiServer();
    config = { model: 'gemini-2.5-flash', apiKey: CANARY, baseUrl: server.baseUrl, maxTokens: 64 };
  });
  afterAll(() => server.close());

  /** Sends one chat request answered by `reply` and maps the response with errorFor. */
  async function failWith(reply: ScriptedReply, idempotent = geminiProvider.idempotent): Promise<ApiClientError> {
    server.enqueue(reply);
    const r = geminiProvider.chatRequest({ messages: [{ role: 'user', content: 'Hi' }] }, config, false);
    const url = `${config.baseUrl}${r.path}`;
    const res = await fetch(url, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
    const e = geminiProvider.errorFor({
      status: res.status,
      headers: normalizeHeaders(res.headers),
      body: await res.text(),
      method: 'POST',
      url,
      secrets: [CANARY],
      now: 0,
      idempotent,
    });
    assertNoCanary(e);
    return e;
  }

  it('400 API_KEY_INVALID is a permanent UpstreamAuthenticationError keeping status 400', async () => {
    const e = await failWith(geminiErrors.apiKeyInvalid());
    expect(isUpstreamAuthenticationError(e)).toBe(true);
    expect(isUpstreamBadRequestError(e)).toBe(false);
    expect(e).toMatchObject({ status: 400, code: 'API_KEY_INVALID', isTransient: false, method: 'POST' });
    expect(e.message).toContain('API key not valid');
  });

  it('a wrong key against a server that checks it gives the same error', async () => {
    const checking = await startGeminiServer({ apiKey: 'the-right-key' });
    try {
      const r = geminiProvider.chatRequest({ messages: [] }, { ...config, baseUrl: checking.baseUrl }, false);
      const res = await fetch(`${checking.baseUrl}${r.path}`, {
        method: 'POST',
        headers: r.headers,
        body: JSON.stringify(r.body),
      });
      const e = geminiProvider.errorFor({
        status: res.status,
        headers: normalizeHeaders(res.headers),
        body: await res.text(),
        method: 'POST',
        url: `${checking.baseUrl}${r.path}`,
        secrets: [CANARY],
        now: 0,
        idempotent: false,
      });
      expect(isUpstreamAuthenticationError(e)).toBe(true);
    } finally {
      await checking.close();
    }
  });

  it('400 INVALID_ARGUMENT about something else stays an UpstreamBadRequestError', async () => {
    const e = await failWith(geminiErrors.invalidArgument('Invalid value at contents[0].role'));
    expect(isUpstreamBadRequestError(e)).toBe(true);
    expect(isUpstreamAuthenticationError(e)).toBe(false);
    expect(e).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', isTransient: false });
  });

  it('a per-minute 429 is transient with retryAfterMs from RetryInfo (2s)', async () => {
    const e = await failWith(geminiErrors.rateLimited('2s'));
    expect(isUpstreamRateLimitError(e)).toBe(true);
    expect(e).toMatchObject({ status: 429, isTransient: true, retryAfterMs: 2000, quotaExhausted: false });
    expect(e.notRetriedReason).toBeUndefined();
  });

  it('a per-day 429 is permanent (quota exhausted)', async () => {
    const e = await failWith(geminiErrors.quotaPerDay());
    expect(isUpstreamRateLimitError(e)).toBe(true);
    expect((e as UpstreamRateLimitError).quotaExhausted).toBe(true);
    expect(e.isTransient).toBe(false);
  });

  it('503 UNAVAILABLE is transient although the POST is not idempotent', async () => {
    const e = await failWith(geminiErrors.unavailable());
    expect(isUpstreamServerError(e)).toBe(true);
    expect(e).toMatchObject({ status: 503, code: 'UNAVAILABLE', isTransient: true });
  });

  it('500 INTERNAL is not retried for the non-idempotent POST (it may have been processed)', async () => {
    const e = await failWith(geminiErrors.internal());
    expect(isUpstreamServerError(e)).toBe(true);
    expect(e.isTransient).toBe(false);
    expect(e.notRetriedReason).toContain('not idempotent');
    expect((await failWith(geminiErrors.internal(), true)).isTransient).toBe(true);
  });

  it('401 UNAUTHENTICATED, 403 PERMISSION_DENIED and 504 DEADLINE_EXCEEDED keep the http mapping', async () => {
    const e401 = await failWith({ status: 401, body: geminiErrorBody(401, 'UNAUTHENTICATED', 'No credentials.') });
    expect(isUpstreamAuthenticationError(e401)).toBe(true);
    const e403 = await failWith({ status: 403, body: geminiErrorBody(403, 'PERMISSION_DENIED', 'Denied.') });
    expect(isUpstreamPermissionError(e403)).toBe(true);
    const e504 = await failWith({ status: 504, body: geminiErrorBody(504, 'DEADLINE_EXCEEDED', 'Deadline.') });
    expect(e504).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED', isTransient: false });
  });

  it('404 NOT_FOUND is an UpstreamNotFoundError', async () => {
    expect(isUpstreamNotFoundError(await failWith(geminiErrors.notFound()))).toBe(true);
  });

  it('never keeps the key: not from an echoing body, nor a ?key= URL', async () => {
    const echo = geminiErrorBody(400, 'INVALID_ARGUMENT', `API key not valid: ${CANARY}`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID' },
    ]);
    const e = await failWith({ status: 400, body: echo, headers: { 'x-echo': CANARY } });
    expect(isUpstreamAuthenticationError(e)).toBe(true);
    const viaUrl = geminiProvider.errorFor({
      status: 400,
      headers: {},
      body: JSON.stringify(echo),
      method: 'POST',
      url: `https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=${CANARY}`,
      secrets: [CANARY],
      now: 0,
      idempotent: false,
    });
    assertNoCanary(viaUrl);
  });
});

describe('isGeminiApiKeyInvalid', () => {
  it('reads details[].reason or an INVALID_ARGUMENT message about the API key', () => {
    expect(isGeminiApiKeyInvalid(JSON.parse(JSON.stringify(geminiErrors.apiKeyInvalid().body)))).toBe(true);
    expect(isGeminiApiKeyInvalid(geminiErrorBody(400, 'INVALID_ARGUMENT', 'API key expired. Please renew.'))).toBe(
      true,
    );
    expect(isGeminiApiKeyInvalid([geminiErrorBody(400, 'INVALID_ARGUMENT', 'API key not valid.')])).toBe(true);
    expect(isGeminiApiKeyInvalid(geminiErrorBody(400, 'INVALID_ARGUMENT', 'Bad role.'))).toBe(false);
    expect(isGeminiApiKeyInvalid(geminiErrorBody(400, 'FAILED_PRECONDITION', 'API key region.'))).toBe(false);
    expect(isGeminiApiKeyInvalid(undefined)).toBe(false);
  });
});
