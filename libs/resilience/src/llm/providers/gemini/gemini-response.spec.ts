import { geminiResponse } from '../../testing-support/gemini-server.js';
import { geminiFinishReason, parseGeminiResponse } from './gemini-response.js';
import { geminiUsage, geminiUsageOf } from './gemini-usage.js';

describe('geminiUsage', () => {
  it('keeps cached and tool-use prompt tokens inside inputTokens and adds thoughts to outputTokens', () => {
    const usage = geminiUsage({
      promptTokenCount: 1000,
      cachedContentTokenCount: 600,
      candidatesTokenCount: 50,
      thoughtsTokenCount: 200,
      toolUsePromptTokenCount: 30,
      totalTokenCount: 1280,
    });
    expect(usage).toEqual({
      // promptTokenCount (cached included) + toolUsePromptTokenCount: every prompt token billed
      inputTokens: 1030,
      outputTokens: 250,
      cacheReadTokens: 600,
      cacheWriteTokens: 0,
      reasoningTokens: 200,
      // input + output: equals Gemini's totalTokenCount
      totalTokens: 1280,
    });
    // only the tool-use prompt: it is input, not output
    expect(geminiUsage({ toolUsePromptTokenCount: 7, candidatesTokenCount: 2 })).toMatchObject({
      inputTokens: 7,
      outputTokens: 2,
      totalTokens: 9,
    });
  });

  it('treats missing, negative and non-numeric counts as 0; no usageMetadata is undefined', () => {
    expect(geminiUsage({ promptTokenCount: -3, candidatesTokenCount: '7' })).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 0,
    });
    expect(geminiUsageOf({ candidates: [] })).toBeUndefined();
    expect(geminiUsageOf('text')).toBeUndefined();
    expect(geminiUsage(null)).toBeUndefined();
  });
});

describe('geminiFinishReason', () => {
  it.each([
    ['STOP', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['OTHER', 'other'],
    ['MALFORMED_FUNCTION_CALL', 'other'],
    [undefined, 'other'],
  ])('%s → %s', (raw, mapped) => {
    expect(geminiFinishReason(raw)).toBe(mapped);
  });

  it('STOP with a functionCall part is tool_calls', () => {
    expect(geminiFinishReason('STOP', true)).toBe('tool_calls');
  });
});

describe('parseGeminiResponse', () => {
  it('joins the text parts of the first candidate, skipping thoughts', () => {
    const body = geminiResponse({
      thought: 'Let me think…',
      text: 'Paris.',
      finishReason: 'STOP',
      usage: { promptTokenCount: 10, candidatesTokenCount: 2, thoughtsTokenCount: 5 },
      modelVersion: 'gemini-2.5-pro',
      responseId: 'resp-1',
    });
    (body.candidates as { content: { parts: unknown[] } }[])[0]!.content.parts.push({ text: ' Sure.' });
    expect(parseGeminiResponse(body, {})).toEqual({
      text: 'Paris. Sure.',
      usage: {
        inputTokens: 10,
        outputTokens: 7,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 5,
        totalTokens: 17,
      },
      finishReason: 'stop',
      rawFinishReason: 'STOP',
      model: 'gemini-2.5-pro',
      requestId: 'resp-1',
    });
  });

  it('falls back to the x-request-id header for the request id', () => {
    const body = { candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'MAX_TOKENS' }] };
    expect(parseGeminiResponse(body, { 'x-request-id': 'hdr-1' })).toMatchObject({
      text: 'x',
      finishReason: 'length',
      requestId: 'hdr-1',
      usage: undefined,
    });
  });

  it('reports a blocked prompt (no candidates, promptFeedback.blockReason) as content_filter', () => {
    const body = { promptFeedback: { blockReason: 'OTHER' }, usageMetadata: { promptTokenCount: 4 } };
    expect(parseGeminiResponse(body, {})).toMatchObject({
      text: '',
      finishReason: 'content_filter',
      rawFinishReason: 'OTHER',
    });
  });

  it('reports a functionCall answer as tool_calls', () => {
    const body = {
      candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, finishReason: 'STOP' }],
    };
    expect(parseGeminiResponse(body, {})).toMatchObject({ text: '', finishReason: 'tool_calls' });
  });

  it('tolerates bodies without candidates or parts', () => {
    expect(parseGeminiResponse({}, {})).toEqual({ text: '', usage: undefined, finishReason: 'other' });
    expect(parseGeminiResponse(null, {})).toEqual({ text: '', usage: undefined, finishReason: 'other' });
    expect(parseGeminiResponse({ candidates: [{ content: { parts: [null, 3] } }] }, {}).text).toBe('');
  });
});
