import { errorFromResponse } from '../../../http/errors/error-from-response.js';
import type { ApiClientError } from '../../../http/errors/api-client.error.js';
import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { FinishReason, LlmUsage, ParsedChatResponse } from '../../chat/chat.types.js';
import type { SseEvent, StreamParser, StreamParserContext } from '../provider.js';
import { openAIFinishReason, openAIUsage } from './openai-usage.js';

/** Shape of the fields read from one `chat.completion.chunk`. */
interface Chunk {
  id?: unknown;
  model?: unknown;
  object?: unknown;
  error?: unknown;
  usage?: unknown;
  choices?: { index?: unknown; delta?: { content?: unknown } | null; finish_reason?: unknown }[];
}

/**
 * The HTTP status an in-stream error stands for (the response itself was a 200):
 * a numeric `code` (`429`, `"503"`: LiteLLM, vLLM) in 400..599 is used as is; otherwise code or
 * type `insufficient_quota` or `rate_limit_exceeded` (type `tokens` / `requests`) → 429,
 * `invalid_api_key` / `authentication_error` → 401, `invalid_request_error` /
 * `context_length_exceeded` → 400, anything else (`server_error`, none) → 500.
 * @internal
 */
export function openAIStreamErrorStatus(error: Record<string, unknown>): number {
  const code = error.code;
  const n = typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : NaN;
  if (n >= 400 && n <= 599) return n;
  const words = [code, error.type].filter((x): x is string => typeof x === 'string');
  const has = (...w: string[]) => words.some((x) => w.includes(x));
  if (has('insufficient_quota', 'rate_limit_exceeded', 'tokens', 'requests', 'rate_limit_error')) return 429;
  if (has('invalid_api_key', 'authentication_error')) return 401;
  if (has('invalid_request_error', 'context_length_exceeded')) return 400;
  return 500;
}

/** The url a stream error names when the parser was given no context. @internal */
export const OPENAI_STREAM_ERROR_URL = '/chat/completions';

/**
 * The typed error of an in-stream `{"error":{...}}` event (or a top-level `{"object":"error"}`
 * one, as vLLM sends): `errorFromResponse` with the status of {@link openAIStreamErrorStatus},
 * method POST, `idempotent: false` (the request was accepted: only 429, 503 and 529 stay
 * transient), the raw event data as body and the stream's `x-request-id`. With a `context` (given
 * by the transport) the error names `context.url` (redacted by the error), scrubs
 * `context.secrets` and reads dates against `context.now`; without one the url is
 * {@link OPENAI_STREAM_ERROR_URL} and only key-shaped strings are scrubbed.
 * @internal
 */
export function openAIStreamError(
  data: string,
  error: Record<string, unknown>,
  requestId?: string,
  context?: StreamParserContext,
): ApiClientError {
  return errorFromResponse({
    status: openAIStreamErrorStatus(error),
    headers: requestId !== undefined ? { 'x-request-id': requestId } : {},
    body: data,
    method: 'POST',
    url: context?.url ?? OPENAI_STREAM_ERROR_URL,
    secrets: context?.secrets ?? [],
    idempotent: false,
    now: context?.now ?? 0, // no Retry-After header is passed, so no HTTP date is read against it
  });
}

/**
 * Parses one OpenAI chat-completions stream, event by event (the SSE framing is the transport's):
 * - `data: [DONE]` → `'done'`;
 * - a chunk's `choices[index 0].delta.content` → that text (appended to the result);
 *   its `finish_reason` is recorded; its `model` and `id` are kept (first seen);
 * - a chunk with a `usage` object (the `choices: []` chunk sent with
 *   `stream_options.include_usage`) → the usage (the last one wins);
 * - `{"error":{...}}` data (or `event: error`, or `{"object":"error",...}`) → throws the typed
 *   error of {@link openAIStreamError} (naming the context's url, scrubbing its secrets);
 * - empty or non-JSON data, and chunks without text → `undefined` (ignored).
 * @internal
 */
export class OpenAIStreamParser implements StreamParser {
  private readonly parts: string[] = [];
  private usage: LlmUsage | undefined;
  private rawFinish: string | undefined;
  private model: string | undefined;
  private chunkId: string | undefined;
  private readonly headerRequestId: string | undefined;

  constructor(
    headers: NormalizedHeaders,
    private readonly context?: StreamParserContext,
  ) {
    this.headerRequestId = headers['x-request-id'];
  }

  push(event: SseEvent): string | 'done' | undefined {
    const data = event.data.trim();
    if (data === '[DONE]') return 'done';
    if (data === '') return undefined;
    let chunk: Chunk;
    try {
      const parsed: unknown = JSON.parse(data);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
      chunk = parsed as Chunk;
    } catch {
      return undefined;
    }
    const err = chunk.error;
    if (err !== undefined && err !== null) {
      const e = typeof err === 'object' ? (err as Record<string, unknown>) : { message: String(err) };
      throw openAIStreamError(data, e, this.headerRequestId ?? this.id(chunk), this.context);
    }
    if (chunk.object === 'error' || event.event === 'error')
      throw openAIStreamError(
        data,
        chunk as Record<string, unknown>,
        this.headerRequestId ?? this.id(chunk),
        this.context,
      );
    if (this.model === undefined && typeof chunk.model === 'string') this.model = chunk.model;
    this.id(chunk);
    if (chunk.usage !== undefined && chunk.usage !== null) this.usage = openAIUsage(chunk.usage) ?? this.usage;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const choice = choices.find((c) => (c?.index ?? 0) === 0);
    if (choice === undefined) return undefined;
    if (typeof choice.finish_reason === 'string') this.rawFinish = choice.finish_reason;
    const text = choice.delta?.content;
    if (typeof text !== 'string' || text === '') return undefined;
    this.parts.push(text);
    return text;
  }

  result(): ParsedChatResponse {
    const finishReason: FinishReason = openAIFinishReason(this.rawFinish);
    const out: ParsedChatResponse = { text: this.parts.join(''), usage: this.usage, finishReason };
    if (this.rawFinish !== undefined) out.rawFinishReason = this.rawFinish;
    if (this.model !== undefined) out.model = this.model;
    const requestId = this.headerRequestId ?? this.chunkId;
    if (requestId !== undefined) out.requestId = requestId;
    return out;
  }

  /** Records the first chunk id; returns the id known so far. */
  private id(chunk: Chunk): string | undefined {
    if (this.chunkId === undefined && typeof chunk.id === 'string') this.chunkId = chunk.id;
    return this.chunkId;
  }
}
