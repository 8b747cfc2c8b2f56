// ChatRequest / raw payload → a Messages API request (`POST /v1/messages`).
import type { ChatRequest } from '../../chat/chat.types.js';
import type { ProviderConfig, ProviderRequest } from '../provider.js';

/** The Messages endpoint, appended to the base URL. @internal */
export const ANTHROPIC_MESSAGES_PATH = '/v1/messages';

/** `anthropic-version` sent when the model names no `apiVersion`. @internal */
export const ANTHROPIC_DEFAULT_VERSION = '2023-06-01';

/**
 * Auth, version and content type, then the model's own headers (lower-cased; they replace the
 * provider's headers of the same name, e.g. `anthropic-version`, or add `anthropic-beta`).
 * @internal
 */
export function anthropicHeaders(config: ProviderConfig): Record<string, string> {
  const headers: Record<string, string> = {
    'x-api-key': config.apiKey,
    'anthropic-version': config.apiVersion ?? ANTHROPIC_DEFAULT_VERSION,
    'content-type': 'application/json',
  };
  if (config.headers !== undefined) for (const [k, v] of Object.entries(config.headers)) headers[k.toLowerCase()] = v;
  return headers;
}

/**
 * The system prompt: `request.system` then every `system` message, in order, joined by a blank
 * line; undefined when there is none.
 * @internal
 */
export function anthropicSystem(request: ChatRequest): string | undefined {
  const parts: string[] = [];
  if (request.system !== undefined && request.system !== '') parts.push(request.system);
  for (const m of request.messages) if (m.role === 'system' && m.content !== '') parts.push(m.content);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/**
 * The body of a chat request:
 * `{ model, max_tokens, system?, messages, temperature?, top_p?, stop_sequences?, stream?, ...extra }`.
 * `max_tokens` (required by Anthropic) is `request.maxTokens ?? config.maxTokens`; `messages` keeps
 * the `user` and `assistant` messages (content as a string).
 * @internal
 */
export function anthropicChatRequest(request: ChatRequest, config: ProviderConfig, stream: boolean): ProviderRequest {
  const body: Record<string, unknown> = { model: config.model, max_tokens: request.maxTokens ?? config.maxTokens };
  const system = anthropicSystem(request);
  if (system !== undefined) body.system = system;
  body.messages = request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role, content: m.content }));
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = [...request.stop];
  if (stream) body.stream = true;
  if (request.extra !== undefined) Object.assign(body, request.extra);
  return { path: ANTHROPIC_MESSAGES_PATH, headers: anthropicHeaders(config), body };
}

/** A raw payload: `{ model, max_tokens, ...payload }` (the payload wins), plus `stream: true`. @internal */
export function anthropicRawRequest(
  payload: Record<string, unknown>,
  config: ProviderConfig,
  stream: boolean,
): ProviderRequest {
  const body: Record<string, unknown> = { model: config.model, max_tokens: config.maxTokens, ...payload };
  if (stream) body.stream = true;
  return { path: ANTHROPIC_MESSAGES_PATH, headers: anthropicHeaders(config), body };
}
