// An OpenAI-compatible chat-completions server for specs, benches and SDK tests (real node:http on
// 127.0.0.1, ephemeral port; built on startLlmServer, so `enqueue`, `received`, `setDefault`,
// `openConnections` and `close` work as in llm-test-server.ts).
//
//   const server = await startOpenAIServer();           // or { apiKey: 'sk-canary-7f3a9e', ... }
//   new OpenAI({ baseURL: server.apiBaseUrl, apiKey }); // apiBaseUrl = baseUrl + '/v1'
//   server.enqueue(openAIRateLimited({ retryAfterSec: 2 }), openAIServerError());
//
// Default answer, for POST `.../chat/completions` (with or without the `/v1` prefix; other paths
// get a 404 OpenAI error; a body without `messages` gets a 400; with `apiKey` set, a request
// whose `authorization` is not `Bearer <apiKey>` gets a 401 invalid_api_key):
// - content: `echo: <last user message>` (text parts joined; the message cut to 200 characters);
// - usage, computed with gpt-tokenizer's o200k_base `encode` (see `openAIPromptTokens`):
//   prompt_tokens = 3 (priming) + Σ per message (3 + tokens(role) + tokens(content)
//   [+ tokens(name) + 1]) — the OpenAI cookbook's count for gpt-4o-class models;
//   completion_tokens = min(tokens(content), max_completion_tokens ?? max_tokens) + reasoningTokens;
//   when the cap cuts the content, the content is the decoded first `cap` tokens and
//   finish_reason is `length` (else `stop`);
//   prompt_tokens_details.cached_tokens = min(options.cachedTokens, prompt_tokens) (default 0);
//   completion_tokens_details.reasoning_tokens = options.reasoningTokens (default 0);
// - headers: `x-request-id: req_<n>` (n = 1, 2, … per request received), `openai-processing-ms`,
//   `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (remaining-requests = limit - n);
// - body: `{ id: 'chatcmpl-<n>', object: 'chat.completion', created: 1700000000, model, choices, usage }`
//   (model = the request's model, else options.model, else `gpt-4o-mini`);
// - `stream: true`: the same content as `chat.completion.chunk` events — a role chunk, then the
//   content in `streamDeltas` pieces (default 4), then a chunk with `finish_reason`, then (only when
//   `stream_options.include_usage`) a chunk with `choices: []` and the usage (the other chunks then
//   carry `usage: null`, as OpenAI does), then `data: [DONE]`.
// Reply builders (openai-replies.ts, re-exported here): openAIRateLimited, openAIInsufficientQuota,
// openAIInvalidKey, openAIContextLengthExceeded, openAIServerError, openAIErrorReply; streams:
// openAIStream / openAIStreamSteps (a custom chunk sequence), openAIStreamError (deltas, then an
// in-stream `{"error":{...}}` event). Helpers giving the default's numbers: openAIPromptTokens,
// openAIAnswer.
import { decode, encode } from 'gpt-tokenizer';
import { startLlmServer, type LlmReceived, type LlmTestServer, type Scripted } from './llm-test-server.js';
import { openAIErrorReply, openAIInvalidKey, openAIStream } from './openai-replies.js';

export * from './openai-replies.js';

/** Options of {@link startOpenAIServer}. @internal */
export interface OpenAIServerOptions {
  /** When set, requests must send `authorization: Bearer <apiKey>` (else 401 invalid_api_key). */
  apiKey?: string;
  /** Model reported when the request names none. Default `gpt-4o-mini`. */
  model?: string;
  /** Reported as `prompt_tokens_details.cached_tokens` (capped at prompt_tokens). Default 0. */
  cachedTokens?: number;
  /** Reported as `completion_tokens_details.reasoning_tokens` and added to completion_tokens. Default 0. */
  reasoningTokens?: number;
  /** Content pieces of a streamed answer. Default 4. */
  streamDeltas?: number;
  /** `x-ratelimit-limit-requests` / `-tokens`. Default 10000 / 2000000. */
  limitRequests?: number;
  limitTokens?: number;
}

/** A running OpenAI-compatible server. @internal */
export interface OpenAIServer extends LlmTestServer {
  /** `baseUrl + '/v1'`: what an OpenAI client or `ProviderConfig.baseUrl` takes. */
  apiBaseUrl: string;
}

type Msg = { role?: unknown; content?: unknown; name?: unknown };

/** Text of a message content: a string, or the `text` of its parts. @internal */
export function openAIContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
}

/** The default server's prompt_tokens for a request body (see the file header). @internal */
export function openAIPromptTokens(body: Record<string, unknown>): number {
  const messages = Array.isArray(body.messages) ? (body.messages as Msg[]) : [];
  let n = 3;
  for (const m of messages) {
    n += 3 + encode(String(m.role ?? '')).length + encode(openAIContentText(m.content)).length;
    if (typeof m.name === 'string') n += encode(m.name).length + 1;
  }
  return n;
}

/** The default server's answer text and completion token count for a request body. @internal */
export function openAIAnswer(body: Record<string, unknown>): { content: string; tokens: number; truncated: boolean } {
  const messages = Array.isArray(body.messages) ? (body.messages as Msg[]) : [];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const full = `echo: ${Array.from(openAIContentText(lastUser?.content)).slice(0, 200).join('')}`;
  const tokens = encode(full);
  const capRaw = body.max_completion_tokens ?? body.max_tokens;
  const cap = typeof capRaw === 'number' && capRaw >= 0 ? Math.floor(capRaw) : Infinity;
  if (tokens.length <= cap) return { content: full, tokens: tokens.length, truncated: false };
  return { content: decode(tokens.slice(0, cap)), tokens: cap, truncated: true };
}

/** Splits `text` into at most `n` non-empty pieces (by code point). */
function split(text: string, n: number): string[] {
  const cps = Array.from(text);
  const size = Math.max(1, Math.ceil(cps.length / Math.max(1, n)));
  const out: string[] = [];
  for (let i = 0; i < cps.length; i += size) out.push(cps.slice(i, i + size).join(''));
  return out;
}

function defaultAnswer(o: OpenAIServerOptions, received: () => number): (req: LlmReceived) => Scripted {
  const limitReq = o.limitRequests ?? 10000;
  const limitTok = o.limitTokens ?? 2000000;
  return (req) => {
    const n = received();
    const path = req.url.split('?')[0]!;
    if (req.method !== 'POST' || !/^(\/v1)?\/chat\/completions$/.test(path))
      return openAIErrorReply(404, {
        message: `Unknown request URL: ${req.method} ${path}.`,
        type: 'invalid_request_error',
        code: 'unknown_url',
      });
    if (o.apiKey !== undefined && req.headers.authorization !== `Bearer ${o.apiKey}`) return openAIInvalidKey();
    const body = req.body;
    if (body === undefined || !Array.isArray(body.messages))
      return openAIErrorReply(400, {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      });
    const answer = openAIAnswer(body);
    const prompt = openAIPromptTokens(body);
    const reasoning = o.reasoningTokens ?? 0;
    const completion = answer.tokens + reasoning;
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: Math.min(o.cachedTokens ?? 0, prompt), audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: reasoning,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    const model = typeof body.model === 'string' ? body.model : (o.model ?? 'gpt-4o-mini');
    const finish = answer.truncated ? 'length' : 'stop';
    const headers: Record<string, string> = {
      'x-request-id': `req_${n}`,
      'openai-processing-ms': '1',
      'x-ratelimit-limit-requests': String(limitReq),
      'x-ratelimit-remaining-requests': String(Math.max(0, limitReq - n)),
      'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': String(limitTok),
      'x-ratelimit-remaining-tokens': String(Math.max(0, limitTok - prompt - completion)),
      'x-ratelimit-reset-tokens': '0s',
    };
    const id = `chatcmpl-${n}`;
    if (body.stream === true) {
      const include = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
      const deltas = split(answer.content, o.streamDeltas ?? 4);
      return openAIStream({ id, model, deltas, finishReason: finish, ...(include ? { usage } : {}) }, headers);
    }
    const message = { role: 'assistant', content: answer.content, refusal: null };
    const choices = [{ index: 0, message, logprobs: null, finish_reason: finish }];
    const json = {
      id,
      object: 'chat.completion',
      created: 1700000000,
      model,
      choices,
      usage,
      system_fingerprint: 'fp_test',
    };
    return { status: 200, headers, body: json };
  };
}

/** Starts an OpenAI-compatible server (see the file header for its default answer). @internal */
export async function startOpenAIServer(options: OpenAIServerOptions = {}): Promise<OpenAIServer> {
  const ref: { server?: LlmTestServer } = {};
  const server = await startLlmServer(defaultAnswer(options, () => ref.server?.received.length ?? 0));
  ref.server = server;
  return Object.assign(server, { apiBaseUrl: `${server.baseUrl}/v1` });
}
