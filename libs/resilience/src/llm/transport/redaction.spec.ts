import { Executor } from '../../executor/executor.js';
import { isRequestCancelledError } from '../../executor/errors/request-cancelled.error.js';
import { redactUrl, safeHeaders } from '../../http/headers/headers.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import { startOpenAIServer } from '../testing-support/openai-server.js';
import { ModelTransport } from './model-transport.js';
import { safeResponseHeaders, urlRedactor } from './redaction.js';

const KEY = 'sk-canary-7f3a9e';
const LONG_KEY = 'canary-key-0123456789abcdef';

describe('safeResponseHeaders', () => {
  it('is the record safeHeaders makes: credentials and cookies dropped, every secret scrubbed', () => {
    const res = new Response('', {
      headers: {
        'Content-Type': 'application/json',
        'x-request-id': 'req_1',
        'x-echo': `key ${KEY} and ${LONG_KEY}`,
        'x-auth-echo': 'Bearer abcdefghijkl',
        'x-masked': 'sk-canary***9e',
        'x-masked-long': 'can...cdef',
        'x-google': 'AIzaSyA1234567890abcdefghijklmnop',
        'set-cookie': 'session=1',
        authorization: `Bearer ${KEY}`,
        'x-api-key': KEY,
        'x-ratelimit-remaining-requests': '59',
      },
    });
    const secrets = [KEY, LONG_KEY];
    const h = safeResponseHeaders(res.headers, secrets);
    expect(h).toEqual(safeHeaders(res.headers, secrets));
    expect(Object.keys(h).sort()).toEqual([
      'content-type',
      'x-auth-echo',
      'x-echo',
      'x-google',
      'x-masked',
      'x-masked-long',
      'x-ratelimit-remaining-requests',
      'x-request-id',
    ]);
    const text = JSON.stringify(h);
    for (const s of [KEY, LONG_KEY, 'abcdefghijkl', 'AIzaSy', 'session']) expect(text).not.toContain(s);
    expect(h['x-ratelimit-remaining-requests']).toBe('59');
    expect(h['x-auth-echo']).toBe('Bearer [REDACTED]');
  });
});

describe('urlRedactor', () => {
  it('gives redactUrl’s answer, remembered per URL and bounded', () => {
    const redact = urlRedactor([KEY]);
    const urls = Array.from({ length: 40 }, (_, i) => `https://u:p@h/v1/m${i}?key=${KEY}&alt=sse#f`);
    for (const u of [...urls, ...urls]) expect(redact(u)).toBe(redactUrl(u, [KEY]));
    expect(redact(urls[0]!)).not.toContain(KEY);
  });
});

describe('Attempt: one AbortController per attempt', () => {
  it('never creates the event’s signal, yet cancel() still aborts the fetch', async () => {
    const server = await startOpenAIServer({ apiKey: KEY });
    const executor = Executor.create('one-signal', { concurrencyLimit: 2, requestsRate: 100 });
    const transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000 });
    const pr = openAIProvider.chatRequest(
      { messages: [{ role: 'user', content: 'hi' }] },
      { model: 'gpt-4o-mini', apiKey: KEY, baseUrl: server.apiBaseUrl, maxTokens: 20 },
      false,
    );
    const url = server.apiBaseUrl + pr.path;
    const body = JSON.stringify(pr.body);
    try {
      const ok = transport.sendJson(url, pr.headers, body, { tokens: 10 });
      await ok.reply;
      expect(ok.event._signalIfAny).toBeUndefined();
      server.enqueue({ kind: 'hang' });
      const hung = transport.sendJson(url, pr.headers, body, { tokens: 10 });
      await waitFor(() => server.received.length === 2);
      expect(hung.event.cancel('bye')).toBe(true);
      const error: unknown = await hung.reply.catch((e: unknown) => e);
      expect(isRequestCancelledError(error)).toBe(true);
      await server.received[1]!.socketClosed;
      expect(hung.event._signalIfAny).toBeUndefined();
    } finally {
      await executor.stop();
      await server.close();
    }
  });
});
