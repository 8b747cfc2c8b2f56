import type { NormalizedHeaders } from '../../../http/headers/headers.js';
import type { ChatRequest, LlmUsage, ParsedChatResponse } from '../../chat/chat.types.js';
import type { LlmProvider, ProviderConfig, ProviderRequest, StreamParser, StreamParserContext } from '../provider.js';
import { providerErrorFromResponse } from '../provider-error.js';
import { OpenAIStreamParser } from './openai-stream.js';
import { openAIFinishReason, openAIUsage } from './openai-usage.js';

const PATH = '/chat/completions';

/** Auth and content type, then `config.headers` (names lower-cased, so they replace ours). */
function headersFor(config: ProviderConfig): Record<string, string> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${config.apiKey}`,
    'content-type': 'application/json',
  };
  if (config.headers !== undefined) for (const [k, v] of Object.entries(config.headers)) headers[k.toLowerCase()] = v;
  return headers;
}

function chatRequest(request: ChatRequest, config: ProviderConfig, stream: boolean): ProviderRequest {
  const messages =
    request.system !== undefined
      ? [{ role: 'system', content: request.system }, ...request.messages]
      : request.messages;
  const body: Record<string, unknown> = { model: config.model, messages };
  // Reasoning models want `max_completion_tokens` (sent through `extra`): then no `max_tokens`.
  if (request.extra?.max_completion_tokens === undefined) body.max_tokens = request.maxTokens ?? config.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (request.extra !== undefined) Object.assign(body, request.extra);
  return { path: PATH, headers: headersFor(config), body };
}

function rawRequest(payload: Record<string, unknown>, config: ProviderConfig, stream: boolean): ProviderRequest {
  const body: Record<string, unknown> = { model: config.model, ...payload };
  if (stream) {
    body.stream = true;
    const given = payload.stream_options;
    body.stream_options = { include_usage: true, ...(given !== null && typeof given === 'object' ? given : {}) };
  } else if (payload.stream !== undefined) {
    body.stream = false;
    delete body.stream_options;
  }
  return { path: PATH, headers: headersFor(config), body };
}

interface Completion {
  id?: unknown;
  model?: unknown;
  usage?: unknown;
  choices?: { index?: unknown; message?: { content?: unknown } | null; finish_reason?: unknown }[];
}

function parseResponse(body: unknown, headers: NormalizedHeaders): ParsedChatResponse {
  const c = (body !== null && typeof body === 'object' ? body : {}) as Completion;
  const choices = Array.isArray(c.choices) ? c.choices : [];
  const choice = choices.find((x) => (x?.index ?? 0) === 0);
  const content = choice?.message?.content;
  const raw = choice?.finish_reason;
  const out: ParsedChatResponse = {
    text: typeof content === 'string' ? content : '',
    usage: openAIUsage(c.usage),
    finishReason: openAIFinishReason(raw),
  };
  if (typeof raw === 'string') out.rawFinishReason = raw;
  if (typeof c.model === 'string') out.model = c.model;
  const requestId = headers['x-request-id'] ?? (typeof c.id === 'string' ? c.id : undefined);
  if (requestId !== undefined) out.requestId = requestId;
  return out;
}

function usageOf(body: unknown): LlmUsage | undefined {
  return body !== null && typeof body === 'object' ? openAIUsage((body as { usage?: unknown }).usage) : undefined;
}

/**
 * The OpenAI chat-completions wire format (`POST {baseUrl}/chat/completions`), for
 * api.openai.com and any OpenAI-compatible server (vLLM, LiteLLM, Ollama, Azure's `/v1`
 * endpoint, ...) through `baseUrl`. Stateless: one object for every model.
 *
 * - Request: `Authorization: Bearer <key>`; body `model`, `messages` (the system prompt as a first
 *   `system` message), `max_tokens` (the request's `maxTokens`, else the model's; left out when
 *   `extra.max_completion_tokens` is given, as reasoning models want), `temperature`, `top_p`,
 *   `stop`, and when streaming `stream: true` + `stream_options: { include_usage: true }`;
 *   `extra` is merged last.
 * - Response: `choices[0].message.content` (null → `''`), `finish_reason` mapped by
 *   {@link openAIFinishReason}, usage by {@link openAIUsage}, request id from `x-request-id`
 *   (else the body's `id`).
 * - Errors: `errorFromResponse` (429 `insufficient_quota` is permanent; 401 →
 *   `UpstreamAuthenticationError`; 400 → `UpstreamBadRequestError`; ...).
 * - `idempotent: false`: a completion is billed once per request received, so a failed call is
 *   retried only when the failure proves it was not processed (429, 503, 529,
 *   `x-should-retry: true`, a connection that never carried the request).
 *
 * See docs/llm/openai.md.
 * @publicApi
 */
export const openAIProvider: LlmProvider = Object.freeze({
  name: 'openai',
  defaultBaseUrl: 'https://api.openai.com/v1',
  apiKeyEnv: 'OPENAI_API_KEY',
  idempotent: false,
  chatRequest,
  rawRequest,
  parseResponse,
  usageOf,
  createStreamParser: (headers: NormalizedHeaders, context?: StreamParserContext): StreamParser =>
    new OpenAIStreamParser(headers, context),
  errorFor: providerErrorFromResponse,
});
