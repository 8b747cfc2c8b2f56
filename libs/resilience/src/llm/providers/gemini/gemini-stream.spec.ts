import { isApiClientError } from '../../../http/errors/api-client.error.js';
import { isUpstreamRateLimitError, isUpstreamServerError } from '../../../http/errors/status.error.js';
import { geminiErrorBody, geminiResponse } from '../../testing-support/gemini-server.js';
import type { StreamParser } from '../provider.js';
import { createGeminiStreamParser } from './gemini-stream.js';

const ev = (data: unknown) => ({ event: 'message', data: typeof data === 'string' ? data : JSON.stringify(data) });

function thrown(parser: StreamParser, data: unknown): unknown {
  try {
    parser.push(ev(data));
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('createGeminiStreamParser', () => {
  it('returns text deltas, keeps the last usageMetadata and finish reason, never says done', () => {
    const p = createGeminiStreamParser({ 'x-request-id': 'hdr' });
    const out = [
      p.push(ev(geminiResponse({ text: 'Hel', usage: { promptTokenCount: 9 }, responseId: 'r-1' }))),
      p.push(ev(geminiResponse({ thought: 'hmm' }))),
      p.push(ev(geminiResponse({ text: 'lo' }))),
      p.push(
        ev(
          geminiResponse({
            text: '!',
            finishReason: 'STOP',
            usage: { promptTokenCount: 9, candidatesTokenCount: 2, thoughtsTokenCount: 3, cachedContentTokenCount: 4 },
            modelVersion: 'gemini-2.5-flash-001',
            responseId: 'r-1',
          }),
        ),
      ),
    ];
    expect(out).toEqual(['Hel', undefined, 'lo', '!']);
    expect(p.result()).toEqual({
      text: 'Hello!',
      usage: {
        inputTokens: 9,
        outputTokens: 5,
        cacheReadTokens: 4,
        cacheWriteTokens: 0,
        reasoningTokens: 3,
        totalTokens: 14,
      },
      finishReason: 'stop',
      rawFinishReason: 'STOP',
      model: 'gemini-2.5-flash-001',
      requestId: 'r-1',
    });
  });

  it('maps MAX_TOKENS and a blocked prompt; ends without usage when none came', () => {
    const a = createGeminiStreamParser({});
    a.push(ev(geminiResponse({ text: 'x', finishReason: 'MAX_TOKENS' })));
    expect(a.result()).toMatchObject({ text: 'x', finishReason: 'length', usage: undefined });
    const b = createGeminiStreamParser({});
    expect(b.push(ev({ promptFeedback: { blockReason: 'SAFETY' } }))).toBeUndefined();
    expect(b.result()).toMatchObject({ text: '', finishReason: 'content_filter', rawFinishReason: 'SAFETY' });
  });

  it('a stream without finishReason ends as other; empty data and [DONE] are handled', () => {
    const p = createGeminiStreamParser({});
    expect(p.push(ev(''))).toBeUndefined();
    expect(p.push(ev(geminiResponse({ text: 'a' })))).toBe('a');
    expect(p.push(ev('[DONE]'))).toBe('done');
    expect(p.result()).toMatchObject({ text: 'a', finishReason: 'other', requestId: 'gemini-resp-scripted' });
  });

  it('throws the typed error of an error chunk: 500 permanent mid-stream, 429 / 503 transient', () => {
    const p = createGeminiStreamParser({ 'x-request-id': 'req-9', 'retry-after': 'Wed, 21 Oct 2099 07:28:00 GMT' });
    p.push(ev(geminiResponse({ text: 'partial' })));
    const e500 = thrown(p, geminiErrorBody(500, 'INTERNAL', 'An internal error has occurred.'));
    expect(isUpstreamServerError(e500)).toBe(true);
    expect(e500).toMatchObject({ status: 500, code: 'INTERNAL', isTransient: false, requestId: 'req-9' });
    expect((e500 as { retryAfterMs?: number }).retryAfterMs).toBeUndefined();
    expect(String(e500)).toContain('An internal error has occurred.');
    const e503 = thrown(createGeminiStreamParser({}), geminiErrorBody(503, 'UNAVAILABLE', 'overloaded'));
    expect(e503).toMatchObject({ status: 503, isTransient: true });
    const e429 = thrown(
      createGeminiStreamParser({}),
      geminiErrorBody(429, 'RESOURCE_EXHAUSTED', 'slow down', [
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '2s' },
      ]),
    );
    expect(isUpstreamRateLimitError(e429)).toBe(true);
    expect(e429).toMatchObject({ isTransient: true, retryAfterMs: 2000 });
  });

  it('an error chunk without an HTTP code is a 500; data that is not a JSON object is invalid_stream_data', () => {
    expect(thrown(createGeminiStreamParser({}), { error: { message: 'boom' } })).toMatchObject({ status: 500 });
    const busy = { error: { status: 'UNAVAILABLE', message: 'busy' } };
    expect(thrown(createGeminiStreamParser({}), busy)).toMatchObject({ status: 503, isTransient: true });
    const odd = { error: { code: 'x', status: 'toString' } };
    expect(thrown(createGeminiStreamParser({}), odd)).toMatchObject({ status: 500 });
    for (const bad of ['{nope', '[1,2]', 'null', '"text"']) {
      const e = thrown(createGeminiStreamParser({}), bad);
      expect(isApiClientError(e)).toBe(true);
      expect(e).toMatchObject({ code: 'invalid_stream_data', isTransient: false });
    }
  });

  it('scrubs key-shaped strings from an error chunk', () => {
    const key = 'AIzaSyA-canary-7f3a9e0123456789abcdefgh';
    const e = thrown(
      createGeminiStreamParser({}),
      geminiErrorBody(400, 'INVALID_ARGUMENT', `API key not valid: ${key}`),
    );
    expect(e).toMatchObject({ code: 'API_KEY_INVALID', isTransient: false });
    const err = e as Error & { toJSON(): unknown };
    for (const s of [String(err), err.stack ?? '', JSON.stringify(err.toJSON())]) expect(s).not.toContain(key);
  });
});
