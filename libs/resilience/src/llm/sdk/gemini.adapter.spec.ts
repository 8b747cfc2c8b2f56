import type { GenerateContentResponse } from '@google/genai';
import { VirtualClock } from '../../core/clock.js';
import { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { isTerminalStatus } from '../../executor/request-status.js';
import { isUpstreamAuthenticationError, isUpstreamRateLimitError } from '../../http/errors/status.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import { geminiDefaultContent, geminiErrors, startGeminiServer } from '../testing-support/gemini-server.js';
import { defaultEstimator } from '../estimate/default-estimator.js';
import { GeminiAdapter } from './gemini.adapter.js';
import type { SdkAdapterOptions } from './sdk-adapter.options.js';

const CANARY = 'sk-canary-7f3a9e';
const PARAMS = { model: 'gemini-2.5-flash', contents: 'Hello Gemini', config: { maxOutputTokens: 40 } };
let server: LlmTestServer;

beforeAll(async () => {
  server = await startGeminiServer({ apiKey: CANARY });
});
afterAll(() => server.close());
beforeEach(() => void (server.received.length = 0));

function setup(options: Partial<ExecutorOptions> = {}, adapterOptions: Partial<SdkAdapterOptions> = {}) {
  const clock = new VirtualClock(Date.now());
  const executor = Executor.create('gemini-sdk', { concurrencyLimit: 4, requestsRate: 100, ...options }, { clock });
  const events: NetworkRequestEvent[] = [];
  const started: NetworkRequestEvent[] = [];
  executor.onStatus((c) => {
    if (c.from === 'PENDING') started.push(c.event);
    if (isTerminalStatus(c.to)) events.push(c.event);
  });
  const adapter = new GeminiAdapter(CANARY, { executor, baseUrl: server.baseUrl, timeoutMs: 5000, ...adapterOptions });
  return { clock, events, started, adapter };
}

describe('GeminiAdapter through the official @google/genai SDK', () => {
  it('models.generateContent is one event on /v1beta (set explicitly); usage reconciles the reservation', async () => {
    const { events, adapter } = setup({ lanes: [{ name: 'interactive' }, { name: 'batch' }] });
    const reply = await adapter.call<GenerateContentResponse>('models.generateContent', PARAMS, { lane: 'batch' });
    expect(reply.candidates?.[0]?.content?.parts?.[0]?.text).toBe('echo: Hello Gemini');
    expect(server.received).toHaveLength(1);
    const req = server.received[0]!;
    expect(req.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(req.headers['x-goog-api-key']).toBe(CANARY);
    const ev = events[0]!;
    expect([ev.status, ev.lane]).toEqual(['COMPLETED', 'batch']);
    const input = defaultEstimator.estimateInput(
      { messages: [{ role: 'user', content: 'Hello Gemini' }] },
      PARAMS.model,
      'gemini',
    );
    expect(ev.tokens).toBe(40 + input);
    const expected = geminiDefaultContent(req.body);
    expect(reply.usageMetadata?.totalTokenCount).toBe(expected.usage.totalTokenCount);
    expect(ev.actualTokens).toBe(reply.usageMetadata?.totalTokenCount);
  });

  it('apiVersion picks the path', async () => {
    const { adapter } = setup({}, { apiVersion: 'v1' });
    await adapter.call('models.generateContent', PARAMS);
    expect(server.received[0]!.url).toBe('/v1/models/gemini-2.5-flash:generateContent');
  });

  it('SDK retries are off even when the params ask for them: a 429 is one request, UpstreamRateLimitError', async () => {
    const { adapter } = setup();
    server.enqueue(geminiErrors.rateLimited('2s'));
    const params = { ...PARAMS, config: { ...PARAMS.config, httpOptions: { retryOptions: { attempts: 5 } } } };
    const error = await adapter.call('models.generateContent', params).catch((e: unknown) => e);
    expect(isUpstreamRateLimitError(error)).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(2000);
    expect(server.received).toHaveLength(1);
  });

  it('with our retry on, a 503 then 200 costs 1 + our retries requests', async () => {
    const { clock, started, adapter } = setup({ retry: { maxRetries: 2, baseDelayMs: 100, jitter: 'none' } });
    server.enqueue(geminiErrors.unavailable());
    const call = adapter.call<GenerateContentResponse>('models.generateContent', PARAMS);
    await waitFor(() => started[0]?.logs.some((l) => l.includes('Retry 1 in')) === true);
    await clock.advance(200);
    await call;
    expect(server.received).toHaveLength(2);
  });

  it('streams: generateContentStream yields the chunks; the stream usage reaches the event', async () => {
    const { events, adapter } = setup();
    const stream = await adapter.call<AsyncIterable<GenerateContentResponse>>('models.generateContentStream', PARAMS);
    let text = '';
    for await (const chunk of stream) text += chunk.candidates?.[0]?.content?.parts?.[0]?.text ?? '';
    expect(text).toBe('echo: Hello Gemini');
    expect(server.received[0]!.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    await waitFor(() => events.length === 1);
    expect(events[0]!.actualTokens).toBe(geminiDefaultContent(server.received[0]!.body).usage.totalTokenCount);
  });

  it('an invalid key (400 API_KEY_INVALID) is an UpstreamAuthenticationError without the key anywhere', async () => {
    const { events, adapter } = setup();
    server.enqueue(geminiErrors.apiKeyInvalid());
    const error = (await adapter.call('models.generateContent', PARAMS).catch((e: unknown) => e)) as Error & {
      cause?: Error;
    };
    expect(isUpstreamAuthenticationError(error)).toBe(true);
    const all = [String(error), error.stack, JSON.stringify(error), String(error.cause), error.cause?.stack];
    for (const s of [...all, JSON.stringify(events[0]!.toJSON()), events[0]!.logs.join('\n')])
      expect(s ?? '').not.toContain(CANARY);
  });
});
