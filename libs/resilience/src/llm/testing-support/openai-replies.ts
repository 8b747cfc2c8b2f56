// OpenAI wire-format replies for scripted faults and streams (used with `server.enqueue(...)`;
// re-exported by openai-server.ts): error bodies `{ error: { message, type, param, code } }` as
// OpenAI sends them, and `chat.completion.chunk` stream scripts.
import type { ScriptedReply, ScriptedStream, StreamStep } from './llm-test-server.js';
/** An OpenAI error reply: `{ error: { message, type, param, code } }`. @internal */
export function openAIErrorReply(
  status: number,
  error: { message: string; type: string; code?: string | null; param?: string | null },
  headers: Record<string, string> = {},
): ScriptedReply {
  const body = {
    error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code ?? null },
  };
  return { status, headers: { 'x-request-id': `req_err_${status}`, ...headers }, body };
}

/** 429 `rate_limit_exceeded` with `retry-after` (seconds) and exhausted `x-ratelimit-*`. @internal */
export function openAIRateLimited(opts: { retryAfterSec?: number; model?: string } = {}): ScriptedReply {
  const s = opts.retryAfterSec ?? 1;
  return openAIErrorReply(
    429,
    {
      message: `Rate limit reached for ${opts.model ?? 'gpt-4o-mini'} on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in ${s}s.`,
      type: 'tokens',
      code: 'rate_limit_exceeded',
    },
    {
      'retry-after': String(s),
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9990',
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': `${s}s`,
    },
  );
}

/** 429 `insufficient_quota` (billing: permanent). @internal */
export function openAIInsufficientQuota(): ScriptedReply {
  const message = 'You exceeded your current quota, please check your plan and billing details.';
  return openAIErrorReply(429, { message, type: 'insufficient_quota', code: 'insufficient_quota' });
}

/** 401 `invalid_api_key`; `echoKey` is put verbatim in the message (to prove it is scrubbed). @internal */
export function openAIInvalidKey(echoKey = 'sk-****'): ScriptedReply {
  const message = `Incorrect API key provided: ${echoKey}. You can find your API key at https://platform.openai.com/account/api-keys.`;
  return openAIErrorReply(401, { message, type: 'invalid_request_error', code: 'invalid_api_key' });
}

/** 400 `context_length_exceeded`. @internal */
export function openAIContextLengthExceeded(): ScriptedReply {
  const message =
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens. Please reduce the length of the messages.";
  return openAIErrorReply(400, {
    message,
    type: 'invalid_request_error',
    param: 'messages',
    code: 'context_length_exceeded',
  });
}

/** A 5xx `server_error` (default 500). @internal */
export function openAIServerError(status = 500): ScriptedReply {
  const message = 'The server had an error while processing your request. Sorry about that!';
  return openAIErrorReply(status, { message, type: 'server_error' });
}

/** Options of {@link openAIStream}. @internal */
export interface OpenAIStreamOptions {
  id?: string;
  model?: string;
  /** Each string is one content delta. */
  deltas: string[];
  /** Default `stop`; `null` sends no finish chunk. */
  finishReason?: string | null;
  /** Sent as the `choices: []` usage chunk when given. */
  usage?: Record<string, unknown>;
  /** Send `data: [DONE]` at the end. Default true. */
  done?: boolean;
}

/** The SSE steps of a chat-completion stream (role chunk, deltas, finish chunk, usage chunk, [DONE]). @internal */
export function openAIStreamSteps(o: OpenAIStreamOptions): StreamStep[] {
  const base = { id: o.id ?? 'chatcmpl-stream', object: 'chat.completion.chunk', created: 1700000000 };
  const head = { ...base, model: o.model ?? 'gpt-4o-mini' };
  const extra = o.usage !== undefined ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    data: JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra }),
  });
  const steps: StreamStep[] = [chunk({ role: 'assistant', content: '' }, null)];
  for (const d of o.deltas) steps.push(chunk({ content: d }, null));
  if (o.finishReason !== null) steps.push(chunk({}, o.finishReason ?? 'stop'));
  if (o.usage !== undefined) steps.push({ data: JSON.stringify({ ...head, choices: [], usage: o.usage }) });
  if (o.done !== false) steps.push({ data: '[DONE]' });
  return steps;
}

/** A scripted chat-completion stream. @internal */
export function openAIStream(o: OpenAIStreamOptions, headers: Record<string, string> = {}): ScriptedStream {
  return { kind: 'stream', headers: { 'x-request-id': 'req_stream', ...headers }, steps: openAIStreamSteps(o) };
}

/** A stream that sends `deltas`, then an in-stream `{"error":{...}}` event (default: server_error), then ends. @internal */
export function openAIStreamError(
  deltas: string[] = ['partial'],
  error: Record<string, unknown> = {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    param: null,
    code: null,
  },
): ScriptedStream {
  const steps = openAIStreamSteps({ deltas, finishReason: null, done: false });
  steps.push({ data: JSON.stringify({ error }) });
  return { kind: 'stream', headers: { 'x-request-id': 'req_stream_error' }, steps };
}
