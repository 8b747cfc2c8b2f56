import type { ChatRequest } from '../chat/chat.types.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import { estimateSdkTokens } from './sdk-estimate.js';

/** Counts one token per character, and records what it was asked. */
function recorder() {
  const seen: { request: ChatRequest; model: string; provider: string }[] = [];
  const estimator: TokenEstimator = {
    estimateInput: (request, model, provider) => {
      seen.push({ request, model, provider });
      return (request.system ?? '').length + request.messages.reduce((n, m) => n + m.content.length, 0);
    },
  };
  return { seen, estimator };
}

describe('estimateSdkTokens', () => {
  it('OpenAI: text parts only (no image data), max_completion_tokens first, else the default', () => {
    const { seen, estimator } = recorder();
    const params = {
      model: 'gpt-4o',
      messages: [
        { role: 'developer', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:AAAA' } },
          ],
        },
        { role: 'assistant', content: 'ok' },
      ],
      max_completion_tokens: 10,
      max_tokens: 99,
    };
    expect(estimateSdkTokens('openai', params, 1024, estimator)).toBe(8 + 4 + 2 + 10);
    expect(seen[0]).toEqual({
      request: {
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'look' },
          { role: 'assistant', content: 'ok' },
        ],
      },
      model: 'gpt-4o',
      provider: 'openai',
    });
    expect(estimateSdkTokens('openai', { model: 'm', input: 'abc' }, 50, estimator)).toBe(3 + 50);
  });

  it('Anthropic: system blocks and message blocks; max_tokens', () => {
    const { seen, estimator } = recorder();
    const params = {
      model: 'claude',
      system: [{ type: 'text', text: 'sys' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
      max_tokens: 5,
    };
    expect(estimateSdkTokens('anthropic', params, 1024, estimator)).toBe(3 + 5 + 5);
    expect(seen[0]!.request).toEqual({ system: 'sys', messages: [{ role: 'user', content: 'hello' }] });
  });

  it('Gemini: contents as a string or Content[], systemInstruction, config.maxOutputTokens', () => {
    const { seen, estimator } = recorder();
    expect(estimateSdkTokens('gemini', { model: 'g', contents: 'hey' }, 7, estimator)).toBe(3 + 7);
    const params = {
      model: 'g',
      contents: [
        { role: 'user', parts: [{ text: 'ab' }, { inlineData: { mimeType: 'image/png', data: 'QUFBQQ==' } }] },
        { role: 'model', parts: [{ text: 'cd' }] },
      ],
      config: { systemInstruction: 'sys', maxOutputTokens: 4 },
    };
    expect(estimateSdkTokens('gemini', params, 1024, estimator)).toBe(3 + 2 + 2 + 4);
    expect(seen[1]!.request.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('params that are not an object: the default output tokens only', () => {
    const { estimator } = recorder();
    expect(estimateSdkTokens('openai', undefined, 12, estimator)).toBe(12);
  });
});
