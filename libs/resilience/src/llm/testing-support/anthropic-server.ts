// A scriptable Anthropic Messages server for specs (real node:http on 127.0.0.1, ephemeral port).
//
//   const server = await startAnthropicServer();           // baseUrl: http://127.0.0.1:<port>
//   server.enqueue(anthropicOverloaded(), anthropicStreamError(['Hel'], 'overloaded_error'));
//   ... server.received[0].body ...                         // every request, parsed
//   await server.close();
//
// Default answer to `POST /v1/messages` (deterministic, from the request body):
// - checks: another path → 404 not_found_error; neither `x-api-key` nor `authorization` (the SDK
//   1.x sends `Authorization: Bearer <key>`) → 401 authentication_error;
//   no `anthropic-version` or no numeric `max_tokens` → 400 invalid_request_error.
// - text: `Reply to: <text of the last user message>`. When its output tokens exceed
//   `max_tokens`, it is cut to `max_tokens * 4` characters and `stop_reason` is `max_tokens`,
//   else `end_turn`.
// - usage (see {@link anthropicTokenCount}): total prompt tokens =
//   `ceil(chars(system + every message's text) / 4) + 4 * messages`; output tokens =
//   `ceil(chars(text) / 4)` (capped by `max_tokens`). With the `cacheRead` / `cacheWrite` options
//   those parts are reported as `cache_read_input_tokens` / `cache_creation_input_tokens` and
//   `input_tokens` is the rest (`max(0, total - cacheRead - cacheWrite)`), as Anthropic does, so
//   the normalised `inputTokens` equals the total whenever the total is at least their sum.
// - headers: `request-id: req_test_<n>` (n = 1-based request number), `anthropic-ratelimit-*`
//   (requests/tokens limit, remaining, reset `2026-01-01T00:00:00Z`).
// - `stream: true`: `message_start` (id, model, usage: input, cache, output 1), `ping`, `content_block_start`,
//   one `content_block_delta` (`text_delta`) per word (keeping its trailing space), `content_block_stop`,
//   `message_delta` (stop_reason, usage.output_tokens), `message_stop`.
// Builders below script the faults: 529, 429 + retry-after, 401, 400, stream error events.
import { startLlmServer, type LlmReceived, type LlmTestServer, type Scripted } from './llm-test-server.js';
import type { ScriptedReply, ScriptedStream, StreamStep } from './llm-test-server.js';

/** Options of {@link startAnthropicServer}. @internal */
export interface AnthropicServerOptions {
  /** Prompt tokens reported as `cache_read_input_tokens` (default 0). */
  cacheRead?: number;
  /** Prompt tokens reported as `cache_creation_input_tokens` (default 0). */
  cacheWrite?: number;
}

/** Fixed rate-limit headers of every default answer. @internal */
export const ANTHROPIC_RATELIMIT_HEADERS: Readonly<Record<string, string>> = {
  'anthropic-ratelimit-requests-limit': '1000',
  'anthropic-ratelimit-requests-remaining': '999',
  'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:00Z',
  'anthropic-ratelimit-tokens-limit': '100000',
  'anthropic-ratelimit-tokens-remaining': '99000',
  'anthropic-ratelimit-tokens-reset': '2026-01-01T00:00:00Z',
};

/** Text of a string or an array of `{type:'text', text}` blocks. @internal */
export function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b: { text?: unknown }) => (typeof b?.text === 'string' ? b.text : '')).join('');
}

/** The server's token count of a text: `ceil(chars / 4)`. @internal */
export function anthropicTokenCount(text: string): number {
  return Math.ceil(text.length / 4);
}

function messagesOf(body: Record<string, unknown>): { role?: unknown; content?: unknown }[] {
  return Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
}

/** Total prompt tokens the default answer reports for a request body (cached included). @internal */
export function anthropicPromptTokens(body: Record<string, unknown>): number {
  const msgs = messagesOf(body);
  const chars = blockText(body.system).length + msgs.reduce((n, m) => n + blockText(m.content).length, 0);
  return Math.ceil(chars / 4) + 4 * msgs.length;
}

/** What the default answer says. @internal */
export type AnthropicReply = { text: string; stopReason: string; outputTokens: number };

/** The default answer's text and stop reason for a request body. @internal */
export function anthropicReply(body: Record<string, unknown>): AnthropicReply {
  const last = [...messagesOf(body)].reverse().find((m) => m.role === 'user');
  const full = `Reply to: ${blockText(last?.content)}`;
  const max = typeof body.max_tokens === 'number' ? body.max_tokens : Infinity;
  if (anthropicTokenCount(full) <= max)
    return { text: full, stopReason: 'end_turn', outputTokens: anthropicTokenCount(full) };
  const text = full.slice(0, Math.max(0, max) * 4);
  return { text, stopReason: 'max_tokens', outputTokens: anthropicTokenCount(text) };
}

/** Fields of a Messages response body (`inputTokens` is Anthropic's, cache excluded). @internal */
export type AnthropicMessageInit = Partial<
  Record<'inputTokens' | 'outputTokens' | 'cacheRead' | 'cacheWrite', number>
> & {
  id?: string;
  model?: string;
  stopReason?: string | null;
};

/** A Messages response body (one text block). @internal */
export function anthropicMessage(text: string, init: AnthropicMessageInit = {}): Record<string, unknown> {
  return {
    id: init.id ?? 'msg_test',
    type: 'message',
    role: 'assistant',
    model: init.model ?? 'claude-test',
    content: [{ type: 'text', text }],
    stop_reason: init.stopReason === undefined ? 'end_turn' : init.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: init.inputTokens ?? 10,
      cache_creation_input_tokens: init.cacheWrite ?? 0,
      cache_read_input_tokens: init.cacheRead ?? 0,
      output_tokens: init.outputTokens ?? anthropicTokenCount(text),
    },
  };
}

const data = (event: string, payload: Record<string, unknown>): StreamStep => ({
  event,
  data: JSON.stringify({ type: event, ...payload }),
});

/** The events before the first text delta: `message_start`, `ping`, `content_block_start`. @internal */
export function anthropicStreamHead(init: AnthropicMessageInit = {}): StreamStep[] {
  const message = { ...anthropicMessage('', { ...init, outputTokens: 1, stopReason: null }), content: [] };
  return [
    data('message_start', { message }),
    data('ping', {}),
    data('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ];
}

/** One `content_block_delta` event with a `text_delta`. @internal */
export function anthropicTextDelta(text: string, index = 0): StreamStep {
  return data('content_block_delta', { index, delta: { type: 'text_delta', text } });
}

/** Splits a text into deltas: one per word, each word keeping its trailing spaces. @internal */
export function anthropicChunks(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** A full `text/event-stream` answer for `text` (the default answer's event sequence). @internal */
export function anthropicStream(
  text: string,
  init: AnthropicMessageInit = {},
  headers?: Record<string, string>,
): ScriptedStream {
  const steps: StreamStep[] = [
    ...anthropicStreamHead(init),
    ...anthropicChunks(text).map((c) => anthropicTextDelta(c)),
    data('content_block_stop', { index: 0 }),
    data('message_delta', {
      delta: { stop_reason: init.stopReason ?? 'end_turn', stop_sequence: null },
      usage: { output_tokens: init.outputTokens ?? anthropicTokenCount(text) },
    }),
    data('message_stop', {}),
  ];
  return { kind: 'stream', steps, ...(headers !== undefined ? { headers } : {}) };
}

/** An Anthropic error body `{type:'error', error:{type,message}, request_id}`. @internal */
export function anthropicErrorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: 'req_test_error' };
}

/** A JSON error answer. @internal */
export function anthropicError(
  status: number,
  type: string,
  message: string,
  headers?: Record<string, string>,
): ScriptedReply {
  return { status, body: anthropicErrorBody(type, message), headers: { 'request-id': 'req_test_error', ...headers } };
}

/** 529 `overloaded_error`. @internal */
export const anthropicOverloaded = (): ScriptedReply => anthropicError(529, 'overloaded_error', 'Overloaded');
/** 429 `rate_limit_error` with `retry-after: <seconds>` (default 2). @internal */
export const anthropicRateLimited = (retryAfterSeconds = 2): ScriptedReply =>
  anthropicError(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit', {
    'retry-after': String(retryAfterSeconds),
  });
/** 401 `authentication_error`. @internal */
export const anthropicUnauthorized = (message = 'invalid x-api-key'): ScriptedReply =>
  anthropicError(401, 'authentication_error', message);
/** 400 `invalid_request_error`. @internal */
export const anthropicBadRequest = (message = 'messages: field required'): ScriptedReply =>
  anthropicError(400, 'invalid_request_error', message);

/** The SSE `event: error` step. @internal */
export function anthropicErrorEvent(type = 'overloaded_error', message = 'Overloaded'): StreamStep {
  return { event: 'error', data: JSON.stringify(anthropicErrorBody(type, message)) };
}

/** A 200 stream that sends `deltas` then an `error` event (and ends). @internal */
export function anthropicStreamError(
  deltas: readonly string[],
  type = 'overloaded_error',
  message = 'Overloaded',
): ScriptedStream {
  return {
    kind: 'stream',
    headers: { 'request-id': 'req_test_stream_error' },
    steps: [...anthropicStreamHead(), ...deltas.map((d) => anthropicTextDelta(d)), anthropicErrorEvent(type, message)],
  };
}

/** A 200 stream whose `error` event comes before any text delta. @internal */
export const anthropicStreamErrorBeforeDelta = (type = 'overloaded_error', message = 'Overloaded'): ScriptedStream =>
  anthropicStreamError([], type, message);

function rejection(req: LlmReceived): ScriptedReply | undefined {
  const path = req.url.split('?')[0];
  if (path !== '/v1/messages') return anthropicError(404, 'not_found_error', `Not found: ${path}`);
  if (req.headers['x-api-key'] === undefined && req.headers.authorization === undefined)
    return anthropicUnauthorized('x-api-key header is required');
  if (req.headers['anthropic-version'] === undefined)
    return anthropicBadRequest('anthropic-version: header is required');
  if (typeof req.body?.max_tokens !== 'number') return anthropicBadRequest('max_tokens: Field required');
  return undefined;
}

/** The default answer (see the top of this file); `n` is the 1-based request number. @internal */
export function anthropicDefaultAnswer(opts: AnthropicServerOptions = {}): (req: LlmReceived, n: number) => Scripted {
  return (req, n) => {
    const body = req.body;
    const rejected = rejection(req);
    if (rejected !== undefined || body === undefined) return rejected ?? anthropicBadRequest();
    const total = anthropicPromptTokens(body);
    const cacheRead = opts.cacheRead ?? 0;
    const cacheWrite = opts.cacheWrite ?? 0;
    const { text, stopReason, outputTokens } = anthropicReply(body);
    const init: AnthropicMessageInit = {
      id: `msg_test_${n}`,
      model: typeof body.model === 'string' ? body.model : 'claude-test',
      stopReason,
      inputTokens: Math.max(0, total - cacheRead - cacheWrite),
      outputTokens,
      cacheRead,
      cacheWrite,
    };
    const headers = { 'request-id': `req_test_${n}`, ...ANTHROPIC_RATELIMIT_HEADERS };
    if (body.stream === true) return anthropicStream(text, init, headers);
    return { status: 200, headers, body: anthropicMessage(text, init) };
  };
}

/** Starts an Anthropic Messages server (see the top of this file). @internal */
export async function startAnthropicServer(options: AnthropicServerOptions = {}): Promise<LlmTestServer> {
  const answer = anthropicDefaultAnswer(options);
  const ref: { server?: LlmTestServer } = {};
  ref.server = await startLlmServer((req) => answer(req, ref.server?.received.length ?? 0));
  return ref.server;
}
