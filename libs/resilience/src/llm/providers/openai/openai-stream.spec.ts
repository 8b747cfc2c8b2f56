// The event-level stream parser (SSE framing across chunk boundaries is the transport's parser).
import {
  ApiClientError,
  UpstreamAuthenticationError,
  UpstreamBadRequestError,
  UpstreamRateLimitError,
  UpstreamServerError,
  isApiClientError,
} from 'nest-resilience/http';
import type { SseEvent } from '../provider.js';
import { openAIStreamSteps } from '../../testing-support/openai-replies.js';
import { openAIProvider } from './openai.provider.js';
import { openAIStreamErrorStatus } from './openai-stream.js';

const KEY = 'sk-canary-7f3a9e';
const usage = {
  prompt_tokens: 20,
  completion_tokens: 6,
  total_tokens: 26,
  prompt_tokens_details: { cached_tokens: 8 },
  completion_tokens_details: { reasoning_tokens: 2 },
};

/** The wire events of a scripted stream (the server's own builder). */
function events(o: Parameters<typeof openAIStreamSteps>[0]): SseEvent[] {
  return openAIStreamSteps(o).map((s) => ({ event: 'message', data: (s as { data: string }).data }));
}
const data = (obj: unknown): SseEvent => ({ event: 'message', data: JSON.stringify(obj) });

describe('OpenAI stream parser', () => {
  it('returns each delta, then done; result has the text, usage, finish reason, model, request id', () => {
    const p = openAIProvider.createStreamParser({ 'x-request-id': 'req_s1' });
    const out = events({ id: 'chatcmpl-9', model: 'gpt-4o-mini-x', deltas: ['Hel', 'lo', ' you'], usage }).map((e) =>
      p.push(e),
    );
    expect(out).toEqual([undefined, 'Hel', 'lo', ' you', undefined, undefined, 'done']);
    expect(p.result()).toEqual({
      text: 'Hello you',
      usage: {
        inputTokens: 20,
        outputTokens: 6,
        cacheReadTokens: 8,
        cacheWriteTokens: 0,
        reasoningTokens: 2,
        totalTokens: 26,
      },
      finishReason: 'stop',
      rawFinishReason: 'stop',
      model: 'gpt-4o-mini-x',
      requestId: 'req_s1',
    });
  });

  it('without a usage chunk: usage undefined; request id from the chunk id without the header', () => {
    const p = openAIProvider.createStreamParser({});
    for (const e of events({ id: 'chatcmpl-7', deltas: ['a'], finishReason: 'length' })) p.push(e);
    expect(p.result()).toMatchObject({ text: 'a', usage: undefined, finishReason: 'length', requestId: 'chatcmpl-7' });
  });

  it('a stream cut before finish and [DONE]: text so far, finish other, no usage', () => {
    const p = openAIProvider.createStreamParser({});
    for (const e of events({ deltas: ['par', 'tial'], finishReason: null, done: false })) p.push(e);
    expect(p.result()).toMatchObject({ text: 'partial', usage: undefined, finishReason: 'other' });
    expect(p.result().rawFinishReason).toBeUndefined();
  });

  it('tool_calls finish, null content deltas, empty and non-JSON data are ignored', () => {
    const p = openAIProvider.createStreamParser({});
    const chunk = (delta: unknown, finish: unknown = null) =>
      data({ choices: [{ index: 0, delta, finish_reason: finish }] });
    expect(p.push(chunk({ role: 'assistant', content: null }))).toBeUndefined();
    expect(p.push({ event: 'message', data: '' })).toBeUndefined();
    expect(p.push({ event: 'message', data: 'keep-alive' })).toBeUndefined();
    expect(p.push(data([1, 2]))).toBeUndefined();
    expect(p.push(chunk({ tool_calls: [{ index: 0 }] }, 'tool_calls'))).toBeUndefined();
    expect(p.push({ event: 'message', data: ' [DONE] ' })).toBe('done');
    expect(p.result()).toMatchObject({ text: '', finishReason: 'tool_calls' });
  });

  it('only choice index 0 counts (n > 1)', () => {
    const p = openAIProvider.createStreamParser({});
    expect(p.push(data({ choices: [{ index: 1, delta: { content: 'B' }, finish_reason: null }] }))).toBeUndefined();
    expect(p.push(data({ choices: [{ index: 0, delta: { content: 'A' }, finish_reason: null }] }))).toBe('A');
    expect(p.result().text).toBe('A');
  });

  it('usage on a non-empty choices chunk (some compatible servers) is read too; usage: null is not', () => {
    const p = openAIProvider.createStreamParser({});
    p.push(data({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }], usage }));
    p.push(data({ choices: [], usage: null }));
    expect(p.result().usage?.totalTokens).toBe(26);
  });

  it('parsers are independent (one per call)', () => {
    const a = openAIProvider.createStreamParser({});
    const b = openAIProvider.createStreamParser({});
    a.push(data({ choices: [{ index: 0, delta: { content: 'a' } }] }));
    expect(b.result().text).toBe('');
  });
});

describe('OpenAI stream parser: in-stream errors', () => {
  const pushError = (payload: unknown, event = 'message'): ApiClientError => {
    const p = openAIProvider.createStreamParser({ 'x-request-id': 'req_e1' });
    p.push(data({ choices: [{ index: 0, delta: { content: 'so far' }, finish_reason: null }] }));
    try {
      p.push({ event, data: JSON.stringify(payload) });
    } catch (e) {
      expect(isApiClientError(e)).toBe(true);
      expect(p.result().text).toBe('so far');
      return e as ApiClientError;
    }
    throw new Error('no error thrown');
  };

  it('server_error → UpstreamServerError 500, not transient (the request was accepted), request id kept', () => {
    const err = pushError({
      error: { message: 'The server had an error', type: 'server_error', param: null, code: null },
    });
    expect(err).toBeInstanceOf(UpstreamServerError);
    expect(err.status).toBe(500);
    expect(err.isTransient).toBe(false);
    expect(err.type).toBe('server_error');
    expect(err.requestId).toBe('req_e1');
    expect(err.message).toContain('The server had an error');
  });

  it('rate_limit_exceeded → UpstreamRateLimitError 429, transient; insufficient_quota → permanent', () => {
    const rl = pushError({ error: { message: 'slow down', type: 'tokens', code: 'rate_limit_exceeded' } });
    expect(rl).toBeInstanceOf(UpstreamRateLimitError);
    expect(rl.isTransient).toBe(true);
    const q = pushError({ error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    expect(q).toBeInstanceOf(UpstreamRateLimitError);
    expect(q.isTransient).toBe(false);
  });

  it('a numeric code (LiteLLM "503", vLLM 400 top-level object) is the status', () => {
    const e503 = pushError({ error: { message: 'overloaded', type: 'None', code: '503' } });
    expect(e503).toBeInstanceOf(UpstreamServerError);
    expect(e503.isTransient).toBe(true);
    const vllm = pushError({ object: 'error', message: 'bad', type: 'BadRequestError', param: null, code: 400 });
    expect(vllm).toBeInstanceOf(UpstreamBadRequestError);
    expect(vllm.message).toContain('bad');
  });

  it('event: error, and a string error, are errors too', () => {
    expect(pushError({ message: 'boom' }, 'error')).toBeInstanceOf(UpstreamServerError);
    expect(pushError({ error: 'plain text' }).status).toBe(500);
  });

  it('a key in the error message is scrubbed from message, JSON and stack', () => {
    const err = pushError({ error: { message: `Incorrect API key provided: ${KEY}`, code: 'invalid_api_key' } });
    expect(err).toBeInstanceOf(UpstreamAuthenticationError);
    for (const s of [JSON.stringify(err), String(err), err.stack ?? '', err.body ?? '']) expect(s).not.toContain(KEY);
  });

  it.each([
    [{ code: 429 }, 429],
    [{ code: '502' }, 502],
    [{ code: '99' }, 500],
    [{ code: 'context_length_exceeded' }, 400],
    [{ type: 'invalid_request_error' }, 400],
    [{ type: 'authentication_error' }, 401],
    [{ type: 'requests' }, 429],
    [{}, 500],
  ])('status of %p is %p', (error, status) => {
    expect(openAIStreamErrorStatus(error)).toBe(status);
  });
});
