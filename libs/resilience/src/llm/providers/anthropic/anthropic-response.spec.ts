import type { LlmTestServer } from '../../testing-support/llm-test-server.js';
import { anthropicMessage, startAnthropicServer } from '../../testing-support/anthropic-server.js';
import { anthropicProvider } from './anthropic.provider.js';

describe('anthropicProvider.parseResponse', () => {
  it('joins the text blocks only, and reads model, stop reason and the request-id header', () => {
    const body = {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'text', text: 'Hello, ' },
        { type: 'tool_use', id: 't1', name: 'f', input: {} },
        { type: 'text', text: 'world' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 5 },
    };
    const parsed = anthropicProvider.parseResponse(body, { 'request-id': 'req_abc' });
    expect(parsed).toEqual({
      text: 'Hello, world',
      usage: {
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
        totalTokens: 15,
      },
      finishReason: 'stop',
      rawFinishReason: 'end_turn',
      model: 'claude-sonnet-4-5',
      requestId: 'req_abc',
    });
  });

  it('falls back to the body id without a request-id header', () => {
    expect(anthropicProvider.parseResponse(anthropicMessage('x', { id: 'msg_9' }), {}).requestId).toBe('msg_9');
  });

  it('survives bodies that are not messages', () => {
    for (const body of [null, 'text', 42, {}, { content: 'nope', usage: 'nope' }]) {
      const parsed = anthropicProvider.parseResponse(body, {});
      expect(parsed).toEqual({ text: '', usage: undefined, finishReason: 'other' });
    }
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    ['something_new', 'other'],
  ])('maps stop_reason %s to %s', (raw, mapped) => {
    const parsed = anthropicProvider.parseResponse(anthropicMessage('x', { stopReason: raw }), {});
    expect(parsed.finishReason).toBe(mapped);
    expect(parsed.rawFinishReason).toBe(raw);
  });

  it('a null stop_reason is other, with no raw value', () => {
    const parsed = anthropicProvider.parseResponse(anthropicMessage('x', { stopReason: null }), {});
    expect(parsed.finishReason).toBe('other');
    expect(parsed.rawFinishReason).toBeUndefined();
  });
});

describe('anthropicProvider.usageOf', () => {
  it('adds cache read and cache creation tokens to inputTokens', () => {
    const body = {
      usage: {
        input_tokens: 20,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 300,
        cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 0 },
        output_tokens: 50,
      },
    };
    expect(anthropicProvider.usageOf(body)).toEqual({
      inputTokens: 1320,
      outputTokens: 50,
      cacheReadTokens: 1000,
      cacheWriteTokens: 300,
      reasoningTokens: 0,
      totalTokens: 1370,
    });
  });

  it('takes thinking tokens as reasoningTokens when the API reports them (still inside outputTokens)', () => {
    const usage = anthropicProvider.usageOf({
      usage: { input_tokens: 4, output_tokens: 90, output_tokens_details: { thinking_tokens: 60 } },
    });
    expect(usage).toMatchObject({ outputTokens: 90, reasoningTokens: 60, totalTokens: 94 });
  });

  it('treats null cache fields (newer SDK types) and bad numbers as 0', () => {
    const usage = anthropicProvider.usageOf({
      usage: {
        input_tokens: 7,
        output_tokens: 3,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: -5,
        output_tokens_details: null,
      },
    });
    expect(usage).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 10,
    });
  });

  it('is undefined without usage', () => {
    expect(anthropicProvider.usageOf({ content: [] })).toBeUndefined();
    expect(anthropicProvider.usageOf({ usage: {} })).toBeUndefined();
    expect(anthropicProvider.usageOf(undefined)).toBeUndefined();
  });
});

describe('usage from the test server with prompt caching', () => {
  let server: LlmTestServer;
  beforeAll(async () => {
    server = await startAnthropicServer({ cacheRead: 6, cacheWrite: 2 });
  });
  afterAll(() => server.close());

  it('normalised inputTokens is the whole prompt although input_tokens excludes the cache', async () => {
    const req = anthropicProvider.chatRequest(
      { system: 'You are a helpful assistant.', messages: [{ role: 'user', content: 'Summarise the report.' }] },
      { model: 'claude-test', apiKey: 'k', baseUrl: server.baseUrl, maxTokens: 100 },
      false,
    );
    const res = await fetch(server.baseUrl + req.path, {
      method: 'POST',
      headers: req.headers,
      body: JSON.stringify(req.body),
    });
    const body = (await res.json()) as { usage: Record<string, number> };
    const total = Math.ceil(('You are a helpful assistant.'.length + 'Summarise the report.'.length) / 4) + 4;
    expect(body.usage).toMatchObject({
      input_tokens: total - 8,
      cache_read_input_tokens: 6,
      cache_creation_input_tokens: 2,
    });
    expect(res.headers.get('anthropic-ratelimit-requests-limit')).toBe('1000');
    const usage = anthropicProvider.usageOf(body)!;
    expect(usage.inputTokens).toBe(total);
    expect(usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens).toBe(total - 8);
    expect(usage.totalTokens).toBe(total + usage.outputTokens);
  });
});
