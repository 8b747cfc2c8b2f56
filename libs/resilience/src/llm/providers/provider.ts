import type { ApiClientError } from '../../http/errors/api-client.error.js';
import type { NormalizedHeaders } from '../../http/headers/headers.js';
import type { ChatRequest, LlmUsage, ParsedChatResponse, ProviderName } from '../chat/chat.types.js';

/** Connection settings of one model, as a provider needs them. @publicApi */
export interface ProviderConfig {
  /** Provider model id (`gpt-4o-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`). */
  model: string;
  /** The key (never logged, never in errors). */
  apiKey: string;
  /** Base URL without trailing slash (e.g. `https://api.openai.com/v1`, `http://127.0.0.1:4010/v1`). */
  baseUrl: string;
  /** Anthropic `anthropic-version` (default `2023-06-01`); Gemini API version path (default `v1beta`). */
  apiVersion?: string;
  /** Default output tokens when a request names none. */
  maxTokens: number;
  /** Extra headers sent with every request. */
  headers?: Readonly<Record<string, string>>;
}

/** A request ready to send: `POST baseUrl + path` with `headers` and the JSON `body`. @publicApi */
export interface ProviderRequest {
  /** Appended to `ProviderConfig.baseUrl`, starts with `/`, may carry a query (`?alt=sse`). */
  path: string;
  /** Auth, content type, version headers (lower-case names). */
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** One server-sent event: its `event:` name (`message` when absent) and joined `data:` lines. @publicApi */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses one stream of one call. `push` is given every SSE event in order; it returns the text
 * delta the event carries (or `undefined`), returns `'done'` for a terminal event
 * (OpenAI `[DONE]`, Anthropic `message_stop`), and **throws** a typed `ApiClientError` for an
 * error event (Anthropic `event: error`, OpenAI `{error}` data, Gemini `{error}` data).
 * `result()` gives the text so far, the usage reported in the stream, the finish reason.
 * @publicApi
 */
export interface StreamParser {
  push(event: SseEvent): string | 'done' | undefined;
  result(): ParsedChatResponse;
}

/** Where a stream runs, so that its typed errors name the request and scrub the key. @publicApi */
export interface StreamParserContext {
  url: string;
  secrets: readonly string[];
  /** Epoch ms (for `Retry-After` dates in error events). */
  now: number;
}

/** Everything the error mapping of a provider needs. @internal */
export interface ProviderErrorContext {
  status: number;
  headers: NormalizedHeaders;
  /** Raw body text. */
  body: string;
  method: string;
  url: string;
  secrets: readonly string[];
  now: number;
  idempotent: boolean;
}

/**
 * One provider's wire format (framework-free, stateless, no I/O). Implementations:
 * `openAIProvider`, `anthropicProvider`, `geminiProvider`.
 * @publicApi
 */
export interface LlmProvider {
  readonly name: ProviderName;
  /** Used when a model names no `baseUrl`. */
  readonly defaultBaseUrl: string;
  /** Environment variable read for the key when a model names none (`OPENAI_API_KEY`, ...). */
  readonly apiKeyEnv: string;
  /**
   * Whether a chat request may be sent twice (see docs/llm/providers.md): false for all three
   * (a completion is billed once per request received): such a call is retried only when the
   * failure proves the provider did not process it (429, 503, 529, `x-should-retry: true`, or a
   * connection that never carried the request).
   */
  readonly idempotent: boolean;
  /** The chat request, streaming or not. */
  chatRequest(request: ChatRequest, config: ProviderConfig, stream: boolean): ProviderRequest;
  /** A raw payload (`invoke`): the body as given, plus the model where the wire format puts it in the body. */
  rawRequest(payload: Record<string, unknown>, config: ProviderConfig, stream: boolean): ProviderRequest;
  /** A 2xx JSON body. */
  parseResponse(body: unknown, headers: NormalizedHeaders): ParsedChatResponse;
  /** Normalised usage of a 2xx JSON body, or undefined. */
  usageOf(body: unknown): LlmUsage | undefined;
  /** A parser for one stream; `context` (given by the transport) names the request in typed errors and scrubs the key. */
  createStreamParser(headers: NormalizedHeaders, context?: StreamParserContext): StreamParser;
  /**
   * A non-2xx response as a typed error: `errorFromResponse` plus what this provider needs
   * (Gemini: 400 `API_KEY_INVALID` → `UpstreamAuthenticationError`).
   */
  errorFor(ctx: ProviderErrorContext): ApiClientError;
}
