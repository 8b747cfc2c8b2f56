import { GoogleGenAI } from '@google/genai';
import type { LlmTestServer } from './llm-test-server.js';
import { geminiDefaultContent, geminiErrors, startGeminiServer } from './gemini-server.js';

const KEY = 'sk-canary-7f3a9e';

function post(server: LlmTestServer, path: string, body: unknown, key = KEY): Promise<Response> {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify(body),
  });
}

interface Body {
  candidates: { content: { role: string; parts: { text: string }[] }; finishReason?: string }[];
  usageMetadata?: Record<string, number>;
  modelVersion?: string;
}

const request = {
  systemInstruction: { parts: [{ text: 'Be brief.' }] },
  contents: [{ role: 'user', parts: [{ text: 'Hello there' }] }],
};

describe('startGeminiServer', () => {
  let server: LlmTestServer;
  beforeEach(async () => {
    server = await startGeminiServer({ apiKey: KEY });
  });
  afterEach(() => server.close());

  it('answers generateContent on v1beta and v1 with deterministic text and usage', async () => {
    for (const v of ['v1beta', 'v1']) {
      const res = await post(server, `/${v}/models/gemini-2.5-flash:generateContent`, request);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Body;
      expect(body.candidates[0]!.content).toEqual({ role: 'model', parts: [{ text: 'echo: Hello there' }] });
      expect(body.candidates[0]!.finishReason).toBe('STOP');
      // chars = 9 + 11 = 20 → 5 + 3 × 1 contents; text 17 chars → 5
      expect(body.usageMetadata).toEqual({ promptTokenCount: 8, candidatesTokenCount: 5, totalTokenCount: 13 });
      expect(body.modelVersion).toBe('gemini-2.5-flash');
    }
    expect(server.received.map((r) => r.url)).toEqual([
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1/models/gemini-2.5-flash:generateContent',
    ]);
  });

  it('cuts the text at maxOutputTokens with MAX_TOKENS', () => {
    const c = geminiDefaultContent({ ...request, generationConfig: { maxOutputTokens: 2 } });
    expect(c).toMatchObject({ text: 'echo: He', finishReason: 'MAX_TOKENS', usage: { candidatesTokenCount: 2 } });
  });

  it('streams the same text in SSE chunks with usage on the last one', async () => {
    const res = await post(server, '/v1beta/models/m:streamGenerateContent?alt=sse', request);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const raw = await res.text();
    const chunks = raw
      .split('\n\n')
      .filter((s) => s.startsWith('data: '))
      .map((s) => JSON.parse(s.slice(6)) as Body);
    expect(chunks).toHaveLength(3);
    expect(chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join('')).toBe('echo: Hello there');
    expect(chunks[2]!.usageMetadata?.totalTokenCount).toBe(13);
    expect(chunks[2]!.candidates[0]!.finishReason).toBe('STOP');
    expect(chunks[0]!.usageMetadata).toEqual({ promptTokenCount: 8 });
  });

  it('answers a wrong key with 400 API_KEY_INVALID and unknown routes with 404', async () => {
    const bad = await post(server, '/v1beta/models/m:generateContent', request, 'other');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('API_KEY_INVALID');
    expect((await post(server, '/v1beta/nope', request)).status).toBe(404);
  });

  it('uses scripted replies first, in order', async () => {
    server.enqueue(geminiErrors.rateLimited(), geminiErrors.unavailable());
    const a = await post(server, '/v1beta/models/m:generateContent', request);
    const b = await post(server, '/v1beta/models/m:generateContent', request);
    const c = await post(server, '/v1beta/models/m:generateContent', request);
    expect([a.status, b.status, c.status]).toEqual([429, 503, 200]);
    expect(JSON.stringify(await a.json())).toContain('"retryDelay":"2s"');
  });

  it('serves @google/genai (retries off) for generateContent and streaming', async () => {
    // Under jest's vm context the SDK's default undici dispatcher is missing ("Undici
    // globalDispatcher is not available"): give it a fetch, as the SDK adapters do.
    const ai = new GoogleGenAI({
      apiKey: KEY,
      httpOptions: {
        baseUrl: server.baseUrl,
        apiVersion: 'v1beta',
        retryOptions: { attempts: 1 },
        fetch: (url, init) => fetch(url, init),
      },
    });
    const r = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' });
    expect(r.text).toBe('echo: Hi');
    expect(r.usageMetadata?.totalTokenCount).toBe(r.usageMetadata!.promptTokenCount! + 2);
    let text = '';
    for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hi' }))
      text += chunk.text ?? '';
    expect(text).toBe('echo: Hi');
    expect(server.received.every((x) => x.headers['x-goog-api-key'] === KEY && !x.url.includes(KEY))).toBe(true);
  });
});
