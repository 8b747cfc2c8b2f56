// The provider against a real OpenAI-compatible server (testing-support/openai-server.ts) over
// fetch on 127.0.0.1: what it sends is what the server receives, what the server answers maps
// to the documented result, usage and typed errors.
import { encode } from 'gpt-tokenizer';
import { ApiClientError, UpstreamServerError, normalizeHeaders } from 'nest-resilience/http';
import type { ChatRequest, ParsedChatResponse } from '../../chat/chat.types.js';
import type { ProviderConfig, ProviderRequest, SseEvent } from '../provider.js';
import { openAIStreamError, startOpenAIServer, type OpenAIServer } from '../../testing-support/openai-server.js';
import { openAIProvider } from './openai.provider.js';

const KEY = 'sk-canary-7f3a9e';

/** Minimal SSE split for whole bodies (the incremental parser is the transport's). */
function sseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event =
        lines
          .find((l) => l.startsWith('event:'))
          ?.slice(6)
          .trim() ?? 'message';
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
      return { event, data: data.join('\n') };
    });
}

/** Sends one provider request; a non-2xx answer becomes `provider.errorFor`'s error. */
async function send(server: OpenAIServer, r: ProviderRequest, stream = false): Promise<ParsedChatResponse> {
  const url = `${server.apiBaseUrl}${r.path}`;
  const res = await fetch(url, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
  const headers = normalizeHeaders(res.headers);
  const text = await res.text();
  if (!res.ok) {
    const ctx = { status: res.status, headers, body: text, method: 'POST', url, secrets: [KEY], now: 0 };
    throw openAIProvider.errorFor({ ...ctx, idempotent: openAIProvider.idempotent });
  }
  if (!stream) return openAIProvider.parseResponse(JSON.parse(text), headers);
  const parser = openAIProvider.createStreamParser(headers);
  for (const e of sseEvents(text)) if (parser.push(e) === 'done') break;
  return parser.result();
}

/** The cookbook count: 3 priming + per message 3 + tokens(role) + tokens(content). */
const cookbook = (msgs: { role: string; content: string }[]) =>
  3 + msgs.reduce((n, m) => n + 3 + encode(m.role).length + encode(m.content).length, 0);

describe('openAIProvider ↔ OpenAI server', () => {
  let server: OpenAIServer;
  let config: ProviderConfig;
  beforeEach(async () => {
    server = await startOpenAIServer({ apiKey: KEY });
    config = { model: 'gpt-4o-mini', apiKey: KEY, baseUrl: server.apiBaseUrl, maxTokens: 256 };
  });
  afterEach(() => server.close());

  const req: ChatRequest = { system: 'be brief', messages: [{ role: 'user', content: 'hello world' }], temperature: 0 };
  const wireMessages = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello world' },
  ];

  it('chat: the server receives the mapped body and Bearer key; text, usage, headers map back', async () => {
    const p = await send(server, openAIProvider.chatRequest(req, config, false));
    const got = server.received[0]!;
    expect(got.url).toBe('/v1/chat/completions');
    expect(got.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(got.body).toEqual({ model: 'gpt-4o-mini', messages: wireMessages, max_tokens: 256, temperature: 0 });
    const out = encode('echo: hello world').length;
    const prompt = cookbook(wireMessages);
    expect(p).toEqual({
      text: 'echo: hello world',
      usage: {
        inputTokens: prompt,
        outputTokens: out,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        totalTokens: prompt + out,
      },
      finishReason: 'stop',
      rawFinishReason: 'stop',
      model: 'gpt-4o-mini',
      requestId: 'req_1',
    });
  });

  it('server options: cached and reasoning tokens reported, inputTokens still includes cached', async () => {
    await server.close();
    server = await startOpenAIServer({ cachedTokens: 10, reasoningTokens: 5 });
    config = { ...config, baseUrl: server.apiBaseUrl };
    const p = await send(server, openAIProvider.chatRequest(req, config, false));
    const prompt = cookbook(wireMessages);
    expect(p.usage).toMatchObject({ inputTokens: prompt, cacheReadTokens: 10, reasoningTokens: 5 });
    expect(p.usage!.outputTokens).toBe(encode('echo: hello world').length + 5);
  });

  it('max_tokens caps the answer: finish length, completion_tokens = the cap', async () => {
    const p = await send(server, openAIProvider.chatRequest({ ...req, maxTokens: 2 }, config, false));
    expect(p.finishReason).toBe('length');
    expect(p.usage!.outputTokens).toBe(2);
    expect(p.text.length).toBeLessThan('echo: hello world'.length);
  });

  it('stream: several deltas, the usage chunk, [DONE]; same text and usage as the JSON answer', async () => {
    const json = await send(server, openAIProvider.chatRequest(req, config, false));
    const r = openAIProvider.chatRequest(req, config, true);
    const res = await fetch(`${server.apiBaseUrl}${r.path}`, {
      method: 'POST',
      headers: r.headers,
      body: JSON.stringify(r.body),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = sseEvents(await res.text());
    const parser = openAIProvider.createStreamParser(normalizeHeaders(res.headers));
    const deltas = events.map((e) => parser.push(e)).filter((d) => d !== undefined);
    expect(deltas.at(-1)).toBe('done');
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.slice(0, -1).join('')).toBe('echo: hello world');
    expect(parser.result()).toEqual({ ...json, requestId: 'req_2' });
  });

  it('stream without include_usage (raw payload): usage undefined, text complete', async () => {
    const payload = { messages: wireMessages, stream_options: { include_usage: false } };
    const p = await send(server, openAIProvider.rawRequest(payload, config, true), true);
    expect(server.received[0]!.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(p.text).toBe('echo: hello world');
    expect(p.usage).toBeUndefined();
    expect(p.finishReason).toBe('stop');
  });

  it('a wrong key gets 401 from the default answer', async () => {
    const err = await send(
      server,
      openAIProvider.chatRequest(req, { ...config, apiKey: 'sk-other-123456' }, false),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).status).toBe(401);
  });

  it('an in-stream error event after deltas → the typed error, thrown by the parser', async () => {
    server.enqueue(openAIStreamError(['par', 'tial']));
    const err = await send(server, openAIProvider.chatRequest(req, config, true), true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamServerError);
    expect((err as UpstreamServerError).requestId).toBe('req_stream_error');
  });
});
