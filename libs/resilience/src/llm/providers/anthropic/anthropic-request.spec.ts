import type { ChatRequest } from '../../chat/chat.types.js';
import type { ProviderConfig, ProviderRequest } from '../provider.js';
import type { LlmTestServer } from '../../testing-support/llm-test-server.js';
import { anthropicPromptTokens, startAnthropicServer } from '../../testing-support/anthropic-server.js';
import { anthropicProvider } from './anthropic.provider.js';

const CANARY = 'sk-canary-7f3a9e';
const config: ProviderConfig = {
  model: 'claude-test-1',
  apiKey: CANARY,
  baseUrl: 'http://unused',
  maxTokens: 256,
};

async function send(server: LlmTestServer, req: ProviderRequest): Promise<Response> {
  return fetch(server.baseUrl + req.path, { method: 'POST', headers: req.headers, body: JSON.stringify(req.body) });
}

describe('anthropicProvider: identity', () => {
  it('names the provider, its base URL, key variable and idempotency', () => {
    expect(anthropicProvider.name).toBe('anthropic');
    expect(anthropicProvider.defaultBaseUrl).toBe('https://api.anthropic.com');
    expect(anthropicProvider.apiKeyEnv).toBe('ANTHROPIC_API_KEY');
    expect(anthropicProvider.idempotent).toBe(false);
    expect(Object.isFrozen(anthropicProvider)).toBe(true);
  });
});

describe('anthropicProvider.chatRequest', () => {
  const request: ChatRequest = {
    system: 'Be brief.',
    messages: [
      { role: 'system', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Bonjour' },
      { role: 'system', content: 'No emoji.' },
      { role: 'user', content: 'How are you?' },
    ],
    temperature: 0.2,
    topP: 0.9,
    stop: ['\n\nHuman:', 'END'],
    lane: 'batch',
    metadata: { job: 7 },
  };

  it('posts to /v1/messages with the key, the version and JSON content type', () => {
    const r = anthropicProvider.chatRequest(request, config, false);
    expect(r.path).toBe('/v1/messages');
    expect(r.headers).toEqual({
      'x-api-key': CANARY,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    });
  });

  it('uses the configured api version and adds the model headers last', () => {
    const r = anthropicProvider.chatRequest(
      request,
      { ...config, apiVersion: '2024-01-01', headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
      false,
    );
    expect(r.headers['anthropic-version']).toBe('2024-01-01');
    expect(r.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    const replaced = anthropicProvider.chatRequest(
      request,
      { ...config, headers: { 'Anthropic-Version': 'x' } },
      false,
    );
    expect(replaced.headers).toEqual({
      'x-api-key': CANARY,
      'anthropic-version': 'x',
      'content-type': 'application/json',
    });
  });

  it('maps system from both places, user/assistant messages, sampling, stop sequences', () => {
    const r = anthropicProvider.chatRequest(request, config, false);
    expect(r.body).toEqual({
      model: 'claude-test-1',
      max_tokens: 256,
      system: 'Be brief.\n\nAnswer in French.\n\nNo emoji.',
      messages: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: 'How are you?' },
      ],
      temperature: 0.2,
      top_p: 0.9,
      stop_sequences: ['\n\nHuman:', 'END'],
    });
    // lane, metadata and signal are never sent.
    expect(JSON.stringify(r.body)).not.toMatch(/batch|job/);
  });

  it('omits absent fields and takes max_tokens from the request when given', () => {
    const r = anthropicProvider.chatRequest(
      { messages: [{ role: 'user', content: 'Hi' }], maxTokens: 12 },
      config,
      false,
    );
    expect(r.body).toEqual({ model: 'claude-test-1', max_tokens: 12, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('adds stream: true when streaming and merges extra last', () => {
    const r = anthropicProvider.chatRequest(
      { messages: [{ role: 'user', content: 'Hi' }], extra: { top_k: 5, max_tokens: 99, metadata: { user_id: 'u1' } } },
      config,
      true,
    );
    expect(r.body).toEqual({
      model: 'claude-test-1',
      max_tokens: 99,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
      top_k: 5,
      metadata: { user_id: 'u1' },
    });
  });
});

describe('anthropicProvider.rawRequest', () => {
  it('adds model and max_tokens, lets the payload win, adds stream when streaming', () => {
    const payload = { messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], max_tokens: 5 };
    const r = anthropicProvider.rawRequest(payload, config, true);
    expect(r.path).toBe('/v1/messages');
    expect(r.headers['x-api-key']).toBe(CANARY);
    expect(r.body).toEqual({ model: 'claude-test-1', ...payload, stream: true });
    expect(r.body.max_tokens).toBe(5);
    expect(anthropicProvider.rawRequest({ model: 'claude-other', messages: [] }, config, false).body.model).toBe(
      'claude-other',
    );
    expect(anthropicProvider.rawRequest({ messages: [] }, config, false).body).toEqual({
      model: 'claude-test-1',
      max_tokens: 256,
      messages: [],
    });
  });
});

describe('anthropicProvider against the Anthropic test server', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startAnthropicServer();
  });
  afterAll(() => server.close());

  it('sends a request the server accepts, and the answer parses back', async () => {
    const req = anthropicProvider.chatRequest(
      { system: 'S', messages: [{ role: 'user', content: 'Ping please' }] },
      config,
      false,
    );
    const res = await send(server, req);
    expect(res.status).toBe(200);
    const got = server.received.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/v1/messages');
    expect(got.headers['x-api-key']).toBe(CANARY);
    expect(got.headers['anthropic-version']).toBe('2023-06-01');
    expect(got.body).toEqual(req.body);
    const headers = Object.fromEntries(res.headers);
    const parsed = anthropicProvider.parseResponse(await res.json(), headers);
    expect(parsed.text).toBe('Reply to: Ping please');
    expect(parsed.finishReason).toBe('stop');
    expect(parsed.model).toBe('claude-test-1');
    expect(parsed.requestId).toBe(`req_test_${server.received.length}`);
    // ceil(("S" + "Ping please").length / 4) + 4 per message
    expect(parsed.usage?.inputTokens).toBe(anthropicPromptTokens(req.body));
    expect(parsed.usage?.inputTokens).toBe(Math.ceil(12 / 4) + 4);
    expect(parsed.usage?.outputTokens).toBe(Math.ceil('Reply to: Ping please'.length / 4));
  });

  it('the server enforces max_tokens: a short limit truncates with stop_reason max_tokens', async () => {
    const req = anthropicProvider.chatRequest(
      { messages: [{ role: 'user', content: 'a long question' }], maxTokens: 2 },
      config,
      false,
    );
    const parsed = anthropicProvider.parseResponse(await (await send(server, req)).json(), {});
    expect(parsed).toMatchObject({ text: 'Reply to', finishReason: 'length', rawFinishReason: 'max_tokens' });
    expect(parsed.usage?.outputTokens).toBe(2);
  });
});
