import Anthropic from '@anthropic-ai/sdk';
import type { LlmTestServer } from './llm-test-server.js';
import {
  anthropicOverloaded,
  anthropicPromptTokens,
  anthropicRateLimited,
  anthropicStreamError,
  startAnthropicServer,
} from './anthropic-server.js';

const CANARY = 'sk-canary-7f3a9e';

describe('the Anthropic test server', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startAnthropicServer();
  });
  afterAll(() => server.close());

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(server.baseUrl + path, {
      method: 'POST',
      headers: {
        'x-api-key': CANARY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  it('rejects what the real API rejects: other paths, no max_tokens, no version, no key', async () => {
    const msg = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
    expect((await post('/v1/complete', { ...msg, max_tokens: 5 })).status).toBe(404);
    const noMax = await post('/v1/messages', msg);
    expect(noMax).toMatchObject({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error' } } });
    const noVersion = await fetch(`${server.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': CANARY },
      body: JSON.stringify({ ...msg, max_tokens: 5 }),
    });
    expect(noVersion.status).toBe(400);
    const noKey = await fetch(`${server.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...msg, max_tokens: 5 }),
    });
    expect(noKey.status).toBe(401);
  });

  it('answers deterministically, counting system and block content', async () => {
    const body = {
      model: 'claude-x',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Sys prompt' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first' }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'second question' },
      ],
    };
    const a = await post('/v1/messages', body);
    const b = await post('/v1/messages', body);
    expect(a.body.content).toEqual([{ type: 'text', text: 'Reply to: second question' }]);
    expect(b.body.content).toEqual(a.body.content);
    expect(b.body.usage).toEqual(a.body.usage);
    expect(anthropicPromptTokens(body)).toBe(Math.ceil((10 + 5 + 2 + 15) / 4) + 12);
    expect(a.body.usage).toMatchObject({ input_tokens: anthropicPromptTokens(body), output_tokens: 7 });
    expect(a.headers.get('request-id')).toMatch(/^req_test_\d+$/);
    expect(b.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('99000');
  });
});

describe('the official Anthropic SDK against the test server', () => {
  let server: LlmTestServer;
  let client: Anthropic;
  beforeAll(async () => {
    server = await startAnthropicServer({ cacheRead: 3 });
    client = new Anthropic({ apiKey: CANARY, baseURL: server.baseUrl, maxRetries: 0 });
  });
  afterAll(() => server.close());

  const params = { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hi there' }] };

  it('creates a message', async () => {
    const m = await client.messages.create(params);
    expect(m.content).toEqual([{ type: 'text', text: 'Reply to: Hi there' }]);
    expect(m.usage.cache_read_input_tokens).toBe(3);
    // @anthropic-ai/sdk 1.x authenticates with a bearer token, not x-api-key.
    expect(server.received.at(-1)?.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(server.received.at(-1)?.headers['anthropic-version']).toBeDefined();
  });

  it('streams a message with its usage', async () => {
    const deltas: string[] = [];
    const stream = client.messages.stream(params);
    stream.on('text', (t) => deltas.push(t));
    const m = await stream.finalMessage();
    expect(deltas).toEqual(['Reply ', 'to: ', 'Hi ', 'there']);
    expect(m.content).toEqual([{ type: 'text', text: 'Reply to: Hi there' }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage.output_tokens).toBe(Math.ceil('Reply to: Hi there'.length / 4));
  });

  it('sees 529 and 429 as API errors with their status and retry-after', async () => {
    server.enqueue(anthropicOverloaded(), anthropicRateLimited(3));
    await expect(client.messages.create(params)).rejects.toMatchObject({ status: 529 });
    const e = await client.messages.create(params).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    expect((e as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('3');
  });

  it('sees an error event mid-stream as an API error', async () => {
    server.enqueue(anthropicStreamError(['Hel'], 'overloaded_error'));
    const stream = client.messages.stream(params);
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });
});
