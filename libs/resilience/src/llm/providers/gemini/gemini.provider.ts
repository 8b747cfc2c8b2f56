import { ResilienceConfigError } from '../../../core/errors/config.error.js';
import type { ChatRequest } from '../../chat/chat.types.js';
import type { LlmProvider, ProviderConfig, ProviderRequest } from '../provider.js';
import { geminiErrorFor } from './gemini-errors.js';
import { parseGeminiResponse } from './gemini-response.js';
import { createGeminiStreamParser } from './gemini-stream.js';
import { geminiUsageOf } from './gemini-usage.js';

/** `gemini-2.5-flash`, `models/gemini-2.5-flash`, `tunedModels/my-model`. */
const MODEL = /^(?:(?:models|tunedModels)\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** `v1beta`, `v1`, `v1alpha`. */
const API_VERSION = /^v[0-9][A-Za-z0-9._-]*$/;

/** The default Gemini API version (what @google/genai 2.x calls). @internal */
export const GEMINI_DEFAULT_API_VERSION = 'v1beta';

/**
 * `/{apiVersion}/models/{model}:generateContent`, or `:streamGenerateContent?alt=sse`. The model
 * and version are checked (they go in the path): a `ResilienceConfigError` otherwise.
 * @internal
 */
export function geminiPath(config: ProviderConfig, stream: boolean): string {
  const version = config.apiVersion ?? GEMINI_DEFAULT_API_VERSION;
  if (typeof version !== 'string' || !API_VERSION.test(version))
    throw new ResilienceConfigError('apiVersion', version, 'a Gemini API version such as "v1beta" or "v1"');
  const model = config.model;
  if (typeof model !== 'string' || !MODEL.test(model))
    throw new ResilienceConfigError('model', model, 'a Gemini model id such as "gemini-2.5-flash"');
  const resource = model.includes('/') ? model : `models/${model}`;
  return `/${version}/${resource}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}

/** The key goes in `x-goog-api-key`, never in the URL (`?key=` ends up in logs). */
function geminiHeaders(config: ProviderConfig): Record<string, string> {
  return { 'x-goog-api-key': config.apiKey, 'content-type': 'application/json', ...config.headers };
}

/**
 * The `generateContent` body of a chat request: `user` messages keep their role, `assistant`
 * becomes `model`; `request.system` and every `system` message become the parts of
 * `systemInstruction` (in that order); `generationConfig` has `maxOutputTokens` (the request's
 * `maxTokens`, else the model's), `temperature`, `topP`, `stopSequences` when given;
 * `request.extra` is merged last (shallow: an `extra.generationConfig` replaces ours).
 * @internal
 */
export function geminiChatBody(request: ChatRequest, config: ProviderConfig): Record<string, unknown> {
  const system: { text: string }[] = [];
  if (request.system !== undefined && request.system !== '') system.push({ text: request.system });
  const contents: { role: 'user' | 'model'; parts: { text: string }[] }[] = [];
  for (const m of request.messages) {
    if (m.role === 'system') system.push({ text: m.content });
    else contents.push({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] });
  }
  const generationConfig: Record<string, unknown> = { maxOutputTokens: request.maxTokens ?? config.maxTokens };
  if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
  if (request.topP !== undefined) generationConfig.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) generationConfig.stopSequences = request.stop;
  const body: Record<string, unknown> = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  body.generationConfig = generationConfig;
  return request.extra !== undefined ? { ...body, ...request.extra } : body;
}

/**
 * The Gemini API (Google AI Studio, `generativelanguage.googleapis.com`) wire format: see
 * docs/llm/gemini.md for the request, response, usage, stream and error mappings.
 *
 * - `POST {baseUrl}/{apiVersion ?? 'v1beta'}/models/{model}:generateContent`; streaming
 *   `:streamGenerateContent?alt=sse`. The key is sent in `x-goog-api-key`, never in the URL.
 * - Not idempotent: a call is retried only when the failure proves Gemini did not process it
 *   (429, 503, a connection that never carried the request).
 * - 400 `API_KEY_INVALID` is an `UpstreamAuthenticationError`; a per-day quota 429 is permanent.
 * @publicApi
 */
export const geminiProvider: LlmProvider = Object.freeze({
  name: 'gemini',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  apiKeyEnv: 'GEMINI_API_KEY',
  idempotent: false,
  chatRequest(request: ChatRequest, config: ProviderConfig, stream: boolean): ProviderRequest {
    return { path: geminiPath(config, stream), headers: geminiHeaders(config), body: geminiChatBody(request, config) };
  },
  rawRequest(payload: Record<string, unknown>, config: ProviderConfig, stream: boolean): ProviderRequest {
    return { path: geminiPath(config, stream), headers: geminiHeaders(config), body: payload };
  },
  parseResponse: parseGeminiResponse,
  usageOf: geminiUsageOf,
  createStreamParser: createGeminiStreamParser,
  errorFor: geminiErrorFor,
});
