import { isResilienceConfigError } from '../../../core/errors/config.error.js';
import { normalizeHeaders } from '../../../http/headers/headers.js';
import type { LlmTestServer } from '../../testing-support/llm-test-server.js';
import { startGeminiServer } from '../../testing-support/gemini-server.js';
import type { ProviderConfig, ProviderRequest, SseEvent } from '../provider.js';
import { geminiProvider } from './gemini.provider.js';

const CANARY = 'sk-canary-7f3a9e';
const config: ProviderConfig = {
  model: 'gemini-2.5-flash',
  apiKey: CANARY,
  baseUrl: 'http://127.0.0.1:1',
  maxTokens: 256,
};

describe('geminiProvider: identity', () => {
  it('names its defaults and is not idempotent', () => {
    expect(geminiProvider).toMatchObject({
      name: 'gemini',
      defaultBaseUrl: 'https://generativelanguage.googleapis.com',
      apiKeyEnv: 'GEMINI_API_KEY',
      idempotent: false,
    });
  });
});

describe('geminiProvider.chatRequest', () => {
  const request = {
    system: 'Be brief.',
    messages: [
      { role: 'system' as const, content: 'Answer in French.' },
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Salut' },
      { role: 'user' as const, content: 'How are you?' },
    ],
    temperature: 0.2,
    topP: 0.9,
    stop: ['END'],
    maxTokens: 64,
  };

  it('maps roles to user / model, system prompts to systemInstruction, options to generationConfig', () => {
    const r = geminiProvider.chatRequest(request, config, false);
    expect(r.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(r.body).toEqual({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Salut' }] },
        { role: 'user', parts: [{ text: 'How are you?' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] },
      generationConfig: { maxOutputTokens: 64, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    });
  });

  it('uses the model maxTokens by default, omits absent options, merges extra last', () => {
    const r = geminiProvider.chatRequest(
      { messages: [{ role: 'user', content: 'Hi' }], extra: { safetySettings: [], cachedContent: 'cachedContents/x' } },
      config,
      false,
    );
    expect(r.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
      generationConfig: { maxOutputTokens: 256 },
      safetySettings: [],
      cachedContent: 'cachedContents/x',
    });
  });

  it('streams on :streamGenerateContent?alt=sse and honours apiVersion and model prefixes', () => {
    expect(geminiProvider.chatRequest({ messages: [] }, config, true).path).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(geminiProvider.chatRequest({ messages: [] }, { ...config, apiVersion: 'v1' }, false).path).toBe(
      '/v1/models/gemini-2.5-flash:generateContent',
    );
    expect(geminiProvider.chatRequest({ messages: [] }, { ...config, model: 'tunedModels/mine' }, false).path).toBe(
      '/v1beta/tunedModels/mine:generateContent',
    );
  });

  it('sends the key only in x-goog-api-key, never in the path or body', () => {
    const r = geminiProvider.chatRequest(request, { ...config, headers: { 'x-extra': '1' } }, true);
    expect(r.headers).toEqual({ 'x-goog-api-key': CANARY, 'content-type': 'application/json', 'x-extra': '1' });
    expect(r.path).not.toContain(CANARY);
    expect(r.path).not.toContain('key=');
    expect(JSON.stringify(r.body)).not.toContain(CANARY);
  });

  it('refuses a model or version that would change the path, naming the option', () => {
    for (const [c, path] of [
      [{ ...config, model: 'x:generateContent?key=1' }, 'model'],
      [{ ...config, model: '../v1/models/x' }, 'model'],
      [{ ...config, apiVersion: 'v1beta/../x' }, 'apiVersion'],
    ] as const) {
      let error: unknown;
      try {
        geminiProvider.chatRequest({ messages: [] }, c, false);
      } catch (e) {
        error = e;
      }
      expect(isResilienceConfigError(error)).toBe(true);
      expect((error as { path: string }).path).toBe(path);
    }
  });
});

describe('geminiProvider.rawRequest', () => {
  it('sends the payload as given on the same path', () => {
    const payload = { contents: [{ role: 'user', parts: [{ text: 'raw' }] }], toolConfig: {} };
    const r = geminiProvider.rawRequest(payload, config, true);
    expect(r).toEqual({
      path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      headers: { 'x-goog-api-key': CANARY, 'content-type': 'application/json' },
      body: payload,
    });
  });
});

describe('geminiProvider against a Gemini server', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startGeminiServer({ apiKey: CANARY });
  });
  afterAll(() => server.close());

  const send = (r: ProviderRequest) =>
    fetch(`${server.baseUrl}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
  const request = { system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Hello there' }] };

  it('parses text, usage, finish reason, model and response id of generateContent', async () => {
    const res = await send(geminiProvider.chatRequest(request, { ...config, baseUrl: server.baseUrl }, false));
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    const parsed = geminiProvider.parseResponse(body, normalizeHeaders(res.headers));
    expect(parsed).toEqual({
      text: 'echo: Hello there',
      // prompt: ceil(20 / 4) + 3; output: ceil(17 / 4)
      usage: {
        inputTokens: 8,
        outputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        totalTokens: 13,
      },
      finishReason: 'stop',
      rawFinishReason: 'STOP',
      model: 'gemini-2.5-flash',
      requestId: expect.stringMatching(/^gemini-resp-\d+$/) as unknown as string,
    });
    expect(geminiProvider.usageOf(body)).toEqual(parsed.usage);
    const seen = server.received.at(-1)!;
    expect(seen.headers['x-goog-api-key']).toBe(CANARY);
    expect(seen.url).not.toContain(CANARY);
  });

  it('parses the SSE stream into the same text and usage', async () => {
    const res = await send(geminiProvider.chatRequest(request, { ...config, baseUrl: server.baseUrl }, true));
    const raw = await res.text();
    const parser = geminiProvider.createStreamParser(normalizeHeaders(res.headers));
    const events: SseEvent[] = raw
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => ({ event: 'message', data: b.slice('data: '.length) }));
    const deltas = events.map((e) => parser.push(e));
    expect(deltas.filter((d) => d !== undefined).join('')).toBe('echo: Hello there');
    expect(deltas).not.toContain('done');
    expect(parser.result()).toMatchObject({
      text: 'echo: Hello there',
      usage: { inputTokens: 8, outputTokens: 5, totalTokens: 13 },
      finishReason: 'stop',
    });
  });
});
