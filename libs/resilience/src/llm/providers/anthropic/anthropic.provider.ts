// The Anthropic Messages API as an LlmProvider (see docs/llm/anthropic.md).
import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { ParsedChatResponse } from '../../chat/chat.types.js';
import type { LlmProvider } from '../provider.js';
import { providerErrorFromResponse } from '../provider-error.js';
import { anthropicChatRequest, anthropicRawRequest } from './anthropic-request.js';
import { createAnthropicStreamParser } from './anthropic-stream.js';
import { anthropicFinishReason, anthropicUsageOf } from './anthropic-usage.js';

/**
 * A Messages response body: `text` is the concatenation of its `text` content blocks (thinking,
 * tool use and other blocks are not text); `requestId` is the `request-id` header, else the body's `id`.
 * @internal
 */
export function parseAnthropicResponse(body: unknown, headers: NormalizedHeaders): ParsedChatResponse {
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const blocks = Array.isArray(b.content) ? (b.content as unknown[]) : [];
  let text = '';
  for (const block of blocks) {
    const c = block as { type?: unknown; text?: unknown } | null;
    if (c?.type === 'text' && typeof c.text === 'string') text += c.text;
  }
  const out: ParsedChatResponse = {
    text,
    usage: anthropicUsageOf(body),
    finishReason: anthropicFinishReason(b.stop_reason),
  };
  if (typeof b.stop_reason === 'string') out.rawFinishReason = b.stop_reason;
  if (typeof b.model === 'string') out.model = b.model;
  const requestId = headers['request-id'] ?? (typeof b.id === 'string' ? b.id : undefined);
  if (requestId !== undefined) out.requestId = requestId;
  return out;
}

/**
 * A non-2xx Messages response as a typed error: `errorFromResponse` as is
 * ({@link providerErrorFromResponse}; its table covers Anthropic: 529 `overloaded_error` is a
 * transient `UpstreamServerError`, 429 keeps `retry-after`, `x-should-retry` overrides,
 * `billing_error` is permanent).
 * @internal
 */
export const anthropicErrorFor = providerErrorFromResponse;

/**
 * The Anthropic Messages API (`POST {baseUrl}/v1/messages`, `x-api-key`, `anthropic-version`),
 * streaming over SSE. Not idempotent: a failed call is retried only when the failure proves the
 * request was not processed (429, 503, 529, `x-should-retry: true`, a connection that never
 * carried it). Mapping tables, usage convention and stream events: docs/llm/anthropic.md.
 * @publicApi
 */
export const anthropicProvider: LlmProvider = Object.freeze({
  name: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com',
  apiKeyEnv: 'ANTHROPIC_API_KEY',
  idempotent: false,
  chatRequest: anthropicChatRequest,
  rawRequest: anthropicRawRequest,
  parseResponse: parseAnthropicResponse,
  usageOf: anthropicUsageOf,
  createStreamParser: createAnthropicStreamParser,
  errorFor: anthropicErrorFor,
});
