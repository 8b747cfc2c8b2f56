// The Messages API's streaming events (`stream: true`) parsed into text deltas, usage and errors.
import { errorFromResponse } from '../../../http/errors/error-from-response.js';
import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { FinishReason, ParsedChatResponse } from '../../chat/chat.types.js';
import type { SseEvent, StreamParser, StreamParserContext } from '../provider.js';
import {
  anthropicErrorStatus,
  anthropicFinishReason,
  emptyAnthropicUsage,
  normalizeAnthropicUsage,
  readAnthropicUsage,
  type AnthropicUsageCounts,
} from './anthropic-usage.js';

/** URL put on a stream's error when the parser was given no context (it does not know the base URL). @internal */
export const ANTHROPIC_STREAM_ERROR_URL = '/v1/messages';

function parseData(data: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(data);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;

/**
 * The parser of one Messages stream.
 *
 * | event | effect |
 * |---|---|
 * | `message_start` | usage (`input_tokens`, cache read / creation, first `output_tokens`), model, id |
 * | `content_block_delta` with `text_delta` | the text delta (returned) |
 * | `content_block_delta` with `thinking_delta`, `signature_delta`, `input_json_delta` | ignored (not text) |
 * | `message_delta` | `stop_reason`; `usage.output_tokens` is cumulative (the latest wins); input / cache counts taken when present |
 * | `message_stop` | `'done'` |
 * | `error` | throws `errorFromResponse` with the error type's status (see `ANTHROPIC_ERROR_STATUS`), naming the context's url and scrubbing its secrets |
 * | `ping`, `content_block_start`, `content_block_stop`, others, non-JSON data | ignored |
 *
 * The event kind is the data's `type` (the `event:` name when the data has none). With a
 * `context` (given by the transport) an error names `context.url` (redacted by the error),
 * scrubs `context.secrets` and reads `Retry-After` dates against `context.now`; without one the
 * url is {@link ANTHROPIC_STREAM_ERROR_URL} and only key-shaped strings are scrubbed.
 * @internal
 */
export class AnthropicStreamParser implements StreamParser {
  private readonly parts: string[] = [];
  private readonly counts: AnthropicUsageCounts = emptyAnthropicUsage();
  private hasUsage = false;
  private stopReason: string | undefined;
  private model: string | undefined;
  private messageId: string | undefined;

  constructor(
    private readonly headers: NormalizedHeaders,
    private readonly context?: StreamParserContext,
  ) {}

  push(event: SseEvent): string | 'done' | undefined {
    const data = parseData(event.data);
    const kind = typeof data?.type === 'string' ? data.type : event.event;
    if (kind === 'error') throw this.errorOf(data, event.data);
    if (data === undefined) return undefined;
    switch (kind) {
      case 'message_start':
        return void this.onStart(obj(data.message));
      case 'content_block_delta': {
        const delta = obj(data.delta);
        if (delta?.type !== 'text_delta' || typeof delta.text !== 'string' || delta.text === '') return undefined;
        this.parts.push(delta.text);
        return delta.text;
      }
      case 'message_delta': {
        const stop = obj(data.delta)?.stop_reason;
        if (typeof stop === 'string') this.stopReason = stop;
        if (readAnthropicUsage(data.usage, this.counts)) this.hasUsage = true;
        return undefined;
      }
      case 'message_stop':
        return 'done';
      default:
        return undefined;
    }
  }

  result(): ParsedChatResponse {
    const finishReason: FinishReason = anthropicFinishReason(this.stopReason);
    const out: ParsedChatResponse = {
      text: this.parts.join(''),
      usage: this.hasUsage ? normalizeAnthropicUsage(this.counts) : undefined,
      finishReason,
    };
    if (this.stopReason !== undefined) out.rawFinishReason = this.stopReason;
    if (this.model !== undefined) out.model = this.model;
    const requestId = this.headers['request-id'] ?? this.messageId;
    if (requestId !== undefined) out.requestId = requestId;
    return out;
  }

  private onStart(message: Record<string, unknown> | undefined): void {
    if (message === undefined) return;
    if (typeof message.model === 'string') this.model = message.model;
    if (typeof message.id === 'string') this.messageId = message.id;
    if (readAnthropicUsage(message.usage, this.counts)) this.hasUsage = true;
  }

  private errorOf(data: Record<string, unknown> | undefined, raw: string) {
    const type = obj(data?.error)?.type;
    return errorFromResponse({
      status: anthropicErrorStatus(type),
      headers: this.headers,
      body: raw,
      method: 'POST',
      url: this.context?.url ?? ANTHROPIC_STREAM_ERROR_URL,
      secrets: this.context?.secrets ?? [],
      ...(this.context !== undefined ? { now: this.context.now } : {}),
      idempotent: false,
    });
  }
}

/** A new parser for one stream whose response had `headers` (`context`: see {@link AnthropicStreamParser}). @internal */
export function createAnthropicStreamParser(headers: NormalizedHeaders, context?: StreamParserContext): StreamParser {
  return new AnthropicStreamParser(headers, context);
}
