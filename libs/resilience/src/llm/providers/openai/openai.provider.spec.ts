import type { ChatRequest, LlmUsage } from '../../chat/chat.types.js';
import type { ProviderConfig } from '../provider.js';
import { openAIProvider } from './openai.provider.js';
import { openAIFinishReason, openAIUsage } from './openai-usage.js';

const config: ProviderConfig = {
  model: 'gpt-4o-mini',
  apiKey: 'sk-canary-7f3a9e',
  baseUrl: 'https://api.openai.com/v1',
  maxTokens: 256,
};
const hi: ChatRequest = { messages: [{ role: 'user', content: 'hi' }] };

describe('openAIProvider: identity', () => {
  it('names, default base URL, key variable, not idempotent', () => {
    expect(openAIProvider.name).toBe('openai');
    expect(openAIProvider.defaultBaseUrl).toBe('https://api.openai.com/v1');
    expect(openAIProvider.apiKeyEnv).toBe('OPENAI_API_KEY');
    expect(openAIProvider.idempotent).toBe(false);
  });
});

describe('openAIProvider.chatRequest', () => {
  it('minimal request: path, auth headers, model, messages, the model max_tokens, nothing undefined', () => {
    const r = openAIProvider.chatRequest(hi, config, false);
    expect(r.path).toBe('/chat/completions');
    expect(r.headers).toEqual({ authorization: 'Bearer sk-canary-7f3a9e', 'content-type': 'application/json' });
    expect(r.body).toEqual({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 256 });
    expect(Object.values(r.body)).not.toContain(undefined);
  });

  it('system prompt first, then the messages; sampling fields and stop renamed', () => {
    const r = openAIProvider.chatRequest(
      {
        system: 'be brief',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
        ],
        maxTokens: 12,
        temperature: 0.2,
        topP: 0.9,
        stop: ['\n\n', 'END'],
      },
      config,
      false,
    );
    expect(r.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      max_tokens: 12,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n', 'END'],
    });
  });

  it('temperature 0 is sent; an empty stop list is not', () => {
    const r = openAIProvider.chatRequest({ ...hi, temperature: 0, stop: [] }, config, false);
    expect(r.body.temperature).toBe(0);
    expect('stop' in r.body).toBe(false);
  });

  it('streaming adds stream: true and stream_options.include_usage', () => {
    const r = openAIProvider.chatRequest(hi, config, true);
    expect(r.body.stream).toBe(true);
    expect(r.body.stream_options).toEqual({ include_usage: true });
    expect('stream' in openAIProvider.chatRequest(hi, config, false).body).toBe(false);
  });

  it('extra is merged last (it may override mapped fields)', () => {
    const r = openAIProvider.chatRequest({ ...hi, temperature: 1, extra: { seed: 7, temperature: 0.5 } }, config, true);
    expect(r.body.seed).toBe(7);
    expect(r.body.temperature).toBe(0.5);
    expect(r.body.stream).toBe(true);
  });

  it('extra.max_completion_tokens replaces max_tokens (reasoning models)', () => {
    const r = openAIProvider.chatRequest(
      { ...hi, maxTokens: 50, extra: { max_completion_tokens: 900 } },
      config,
      false,
    );
    expect(r.body.max_completion_tokens).toBe(900);
    expect('max_tokens' in r.body).toBe(false);
  });

  it('config.headers are added, lower-cased, and replace ours of the same name', () => {
    const r = openAIProvider.chatRequest(
      hi,
      { ...config, headers: { 'OpenAI-Organization': 'org-1', 'api-key': 'x' } },
      false,
    );
    expect(r.headers['openai-organization']).toBe('org-1');
    expect(r.headers['api-key']).toBe('x');
    const az = openAIProvider.chatRequest(hi, { ...config, headers: { Authorization: 'Bearer other' } }, false);
    expect(az.headers.authorization).toBe('Bearer other');
    expect(Object.keys(az.headers).filter((k) => k.toLowerCase() === 'authorization')).toHaveLength(1);
  });
});

describe('openAIProvider.rawRequest', () => {
  const payload = { messages: [{ role: 'user', content: 'x' }], seed: 1 };

  it('puts the model in the body (a payload model wins) and keeps the payload as given', () => {
    const r = openAIProvider.rawRequest(payload, config, false);
    expect(r.path).toBe('/chat/completions');
    expect(r.body).toEqual({ model: 'gpt-4o-mini', ...payload });
    expect(openAIProvider.rawRequest({ ...payload, model: 'gpt-4.1' }, config, false).body.model).toBe('gpt-4.1');
    expect(r.headers.authorization).toBe('Bearer sk-canary-7f3a9e');
  });

  it('streaming: stream flags added, the payload stream_options kept', () => {
    expect(openAIProvider.rawRequest(payload, config, true).body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    const own = openAIProvider.rawRequest({ ...payload, stream_options: { include_obfuscation: false } }, config, true);
    expect(own.body.stream_options).toEqual({ include_usage: true, include_obfuscation: false });
  });

  it('not streaming: a payload stream flag is turned off', () => {
    const r = openAIProvider.rawRequest(
      { ...payload, stream: true, stream_options: { include_usage: true } },
      config,
      false,
    );
    expect(r.body.stream).toBe(false);
    expect('stream_options' in r.body).toBe(false);
  });
});

const usageWire = {
  prompt_tokens: 1200,
  completion_tokens: 300,
  total_tokens: 1500,
  prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 256, audio_tokens: 0 },
};
const usageNorm: LlmUsage = {
  inputTokens: 1200,
  outputTokens: 300,
  cacheReadTokens: 1024,
  cacheWriteTokens: 0,
  reasoningTokens: 256,
  totalTokens: 1500,
};

describe('openAIProvider usage', () => {
  it('prompt_tokens (cached included) → inputTokens; cached and reasoning details kept', () => {
    expect(openAIProvider.usageOf({ usage: usageWire })).toEqual(usageNorm);
  });

  it('totalTokens is input + output (a wrong wire total is not used); no details → 0', () => {
    expect(openAIUsage({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 99 })).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 7,
    });
    expect(openAIUsage({ prompt_tokens: -1, completion_tokens: 'x', prompt_tokens_details: null })?.totalTokens).toBe(
      0,
    );
  });

  it('undefined when the body has no usage object', () => {
    expect(openAIProvider.usageOf({ choices: [] })).toBeUndefined();
    expect(openAIProvider.usageOf({ usage: null })).toBeUndefined();
    expect(openAIProvider.usageOf(null)).toBeUndefined();
    expect(openAIProvider.usageOf('text')).toBeUndefined();
  });
});

describe('openAIProvider.parseResponse', () => {
  const completion = (message: unknown, finish: unknown, extra: Record<string, unknown> = {}) => ({
    id: 'chatcmpl-abc',
    object: 'chat.completion',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: usageWire,
    ...extra,
  });

  it('text, finish reason, model, usage; request id from x-request-id', () => {
    const p = openAIProvider.parseResponse(completion({ role: 'assistant', content: 'Hello' }, 'stop'), {
      'x-request-id': 'req_123',
    });
    expect(p).toEqual({
      text: 'Hello',
      usage: usageNorm,
      finishReason: 'stop',
      rawFinishReason: 'stop',
      model: 'gpt-4o-mini-2024-07-18',
      requestId: 'req_123',
    });
  });

  it('request id from the body id without the header; null content → empty text', () => {
    const p = openAIProvider.parseResponse(completion({ role: 'assistant', content: null }, 'tool_calls'), {});
    expect(p.requestId).toBe('chatcmpl-abc');
    expect(p.text).toBe('');
    expect(p.finishReason).toBe('tool_calls');
  });

  it('choice index 0 is read even when it is not first; a body without choices gives empty text', () => {
    const body = completion(null, null, {
      choices: [
        { index: 1, message: { content: 'second' }, finish_reason: 'stop' },
        { index: 0, message: { content: 'first' }, finish_reason: 'length' },
      ],
    });
    expect(openAIProvider.parseResponse(body, {})).toMatchObject({ text: 'first', finishReason: 'length' });
    const empty = openAIProvider.parseResponse({}, {});
    expect(empty).toEqual({ text: '', usage: undefined, finishReason: 'other' });
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content_filter'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['eos', 'other'],
    [null, 'other'],
    [undefined, 'other'],
  ])('finish_reason %p → %p', (raw, expected) => {
    expect(openAIFinishReason(raw)).toBe(expected);
    const p = openAIProvider.parseResponse(completion({ content: 'x' }, raw), {});
    expect(p.finishReason).toBe(expected);
    expect(p.rawFinishReason).toBe(typeof raw === 'string' ? raw : undefined);
  });
});
