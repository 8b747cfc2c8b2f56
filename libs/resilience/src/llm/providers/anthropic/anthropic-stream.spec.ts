import { isUpstreamServerError, UpstreamRateLimitError, UpstreamServerError } from 'nest-resilience/http';
import type { SseEvent, StreamParser } from '../provider.js';
import type { LlmTestServer } from '../../testing-support/llm-test-server.js';
import {
  anthropicStreamError,
  anthropicStreamErrorBeforeDelta,
  startAnthropicServer,
} from '../../testing-support/anthropic-server.js';
import { anthropicProvider } from './anthropic.provider.js';

const ev = (event: string, payload: Record<string, unknown>): SseEvent => ({
  event,
  data: JSON.stringify({ type: event, ...payload }),
});
const start = (usage: Record<string, unknown>) =>
  ev('message_start', { message: { id: 'msg_s1', model: 'claude-haiku-4-5', content: [], usage } });
const text = (t: string) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } });

/** Reads a real SSE response into events (a minimal reader: LF-framed events as the test server writes them). */
async function readEvents(res: Response): Promise<SseEvent[]> {
  const raw = await res.text();
  return raw
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return { event, data };
    });
}

/** Pushes events until `done` or a throw; returns the deltas, whether it ended, and the error. */
function drive(parser: StreamParser, events: SseEvent[]): { deltas: string[]; done: boolean; error?: unknown } {
  const deltas: string[] = [];
  try {
    for (const e of events) {
      const r = parser.push(e);
      if (r === 'done') return { deltas, done: true };
      if (r !== undefined) deltas.push(r);
    }
  } catch (error) {
    return { deltas, done: false, error };
  }
  return { deltas, done: false };
}

describe('the Anthropic stream parser', () => {
  it('reads message_start usage, text deltas, cumulative message_delta usage and message_stop', () => {
    const p = anthropicProvider.createStreamParser({ 'request-id': 'req_stream_1' });
    expect(
      p.push(
        start({ input_tokens: 12, cache_read_input_tokens: 100, cache_creation_input_tokens: 8, output_tokens: 1 }),
      ),
    ).toBeUndefined();
    expect(p.push(ev('ping', {}))).toBeUndefined();
    expect(p.push(ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }))).toBeUndefined();
    expect(p.push(text('Hel'))).toBe('Hel');
    expect(p.push(text('lo'))).toBe('lo');
    expect(p.push(ev('message_delta', { delta: { stop_reason: null }, usage: { output_tokens: 3 } }))).toBeUndefined();
    expect(p.push(ev('content_block_stop', { index: 0 }))).toBeUndefined();
    expect(
      p.push(ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 7 } })),
    ).toBeUndefined();
    expect(p.push(ev('message_stop', {}))).toBe('done');
    expect(p.result()).toEqual({
      text: 'Hello',
      usage: {
        inputTokens: 120,
        outputTokens: 7,
        cacheReadTokens: 100,
        cacheWriteTokens: 8,
        reasoningTokens: 0,
        totalTokens: 127,
      },
      finishReason: 'stop',
      rawFinishReason: 'end_turn',
      model: 'claude-haiku-4-5',
      requestId: 'req_stream_1',
    });
  });

  it('takes input and cache counts from message_delta when newer API versions send them', () => {
    const p = anthropicProvider.createStreamParser({});
    p.push(start({ input_tokens: 5, output_tokens: 1 }));
    p.push(
      ev('message_delta', {
        delta: { stop_reason: 'max_tokens' },
        usage: { input_tokens: 6, cache_read_input_tokens: 40, cache_creation_input_tokens: null, output_tokens: 9 },
      }),
    );
    expect(p.result()).toMatchObject({
      usage: { inputTokens: 46, cacheReadTokens: 40, cacheWriteTokens: 0, outputTokens: 9, totalTokens: 55 },
      finishReason: 'length',
      requestId: 'msg_s1',
    });
  });

  it('ignores thinking, signature and input_json deltas for the text', () => {
    const p = anthropicProvider.createStreamParser({});
    const deltas = [
      { type: 'thinking_delta', thinking: 'let me think' },
      { type: 'signature_delta', signature: 'abc' },
      { type: 'input_json_delta', partial_json: '{"a":' },
      { type: 'text_delta', text: 'answer' },
    ];
    const r = drive(
      p,
      deltas.map((delta) => ev('content_block_delta', { index: 0, delta })),
    );
    expect(r.deltas).toEqual(['answer']);
    expect(p.result().text).toBe('answer');
  });

  it('has no usage when the stream carried none, and ignores non-JSON data', () => {
    const p = anthropicProvider.createStreamParser({});
    expect(p.push({ event: 'message', data: 'not json' })).toBeUndefined();
    expect(p.push(text('x'))).toBe('x');
    expect(p.result()).toEqual({ text: 'x', usage: undefined, finishReason: 'other' });
  });

  it('throws a transient UpstreamServerError (529) for an overloaded error event', () => {
    const p = anthropicProvider.createStreamParser({ 'request-id': 'req_err' });
    p.push(text('partial'));
    const data = JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const r = drive(p, [{ event: 'error', data }]);
    expect(r.error).toBeInstanceOf(UpstreamServerError);
    const e = r.error as UpstreamServerError;
    expect(e).toMatchObject({ status: 529, type: 'overloaded_error', isTransient: true, requestId: 'req_err' });
    expect(e.message).toContain('Overloaded');
    expect(p.result().text).toBe('partial');
  });

  it.each([
    ['rate_limit_error', 429, true],
    ['api_error', 500, false],
    ['invalid_request_error', 400, false],
    ['authentication_error', 401, false],
    ['permission_error', 403, false],
    ['not_found_error', 404, false],
    ['request_too_large', 413, false],
    ['billing_error', 402, false],
    ['timeout_error', 504, false],
    ['a_new_error', 500, false],
  ])('an %s event is status %d (transient: %s)', (type, status, transient) => {
    const p = anthropicProvider.createStreamParser({});
    const r = drive(p, [{ event: 'error', data: JSON.stringify({ type: 'error', error: { type, message: 'm' } }) }]);
    expect(r.error).toMatchObject({ status, isTransient: transient });
    if (type === 'rate_limit_error') expect(r.error).toBeInstanceOf(UpstreamRateLimitError);
  });

  it('an error event with unreadable data is still a typed error', () => {
    const r = drive(anthropicProvider.createStreamParser({}), [{ event: 'error', data: '<html>oops' }]);
    expect(isUpstreamServerError(r.error)).toBe(true);
    expect(r.error).toMatchObject({ status: 500 });
  });
});

describe('the parser on the test server’s streams', () => {
  let server: LlmTestServer;
  const config = { model: 'claude-test', apiKey: 'sk-canary-7f3a9e', baseUrl: '', maxTokens: 64 };
  beforeAll(async () => {
    server = await startAnthropicServer();
  });
  afterAll(() => server.close());

  async function stream(): Promise<{ events: SseEvent[]; parser: StreamParser }> {
    const req = anthropicProvider.chatRequest({ messages: [{ role: 'user', content: 'one two three' }] }, config, true);
    const res = await fetch(server.baseUrl + req.path, {
      method: 'POST',
      headers: req.headers,
      body: JSON.stringify(req.body),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const headers = Object.fromEntries(res.headers);
    return { events: await readEvents(res), parser: anthropicProvider.createStreamParser(headers) };
  }

  it('parses the default stream: several deltas, usage, done', async () => {
    const { events, parser } = await stream();
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const r = drive(parser, events);
    expect(r).toEqual({ deltas: ['Reply ', 'to: ', 'one ', 'two ', 'three'], done: true });
    const result = parser.result();
    expect(result.text).toBe('Reply to: one two three');
    expect(result.usage).toMatchObject({ inputTokens: Math.ceil(13 / 4) + 4, outputTokens: Math.ceil(23 / 4) });
    expect(result.requestId).toBe(`req_test_${server.received.length}`);
    expect(server.received.at(-1)?.body?.stream).toBe(true);
  });

  it('a scripted error event after some deltas throws after them; one before any delta throws first', async () => {
    server.enqueue(anthropicStreamError(['Hel', 'lo'], 'overloaded_error'));
    const first = await stream();
    const r1 = drive(first.parser, first.events);
    expect(r1.deltas).toEqual(['Hel', 'lo']);
    expect(r1.error).toMatchObject({ status: 529, isTransient: true, requestId: 'req_test_stream_error' });

    server.enqueue(anthropicStreamErrorBeforeDelta('api_error', 'Internal server error'));
    const second = await stream();
    const r2 = drive(second.parser, second.events);
    expect(r2.deltas).toEqual([]);
    expect(r2.error).toMatchObject({ status: 500, type: 'api_error', isTransient: false });
    expect(String(r2.error)).not.toContain('sk-canary-7f3a9e');
  });
});
