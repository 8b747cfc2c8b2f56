import type { ChatMessage, ProviderName } from '../chat/chat.types.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';

/** Fields never counted as prompt text (ids, roles, inline binary data, URLs). */
const SKIPPED_KEYS = new Set(['role', 'type', 'model', 'id', 'data', 'url', 'image_url', 'mime_type', 'mimeType']);
/** Nesting followed at most when collecting the text of a message. */
const MAX_DEPTH = 8;

type Params = Record<string, unknown>;

/**
 * The API-token reservation of an SDK call when the caller names none (see docs/llm/adapters.md,
 * "Token reservation"): the most output tokens the params allow (OpenAI `max_completion_tokens` /
 * `max_tokens` / `max_output_tokens`, Anthropic `max_tokens`, Gemini `config.maxOutputTokens`; else
 * `defaultMaxTokens`) plus `estimator.estimateInput()` of the prompt text (messages / contents and
 * the system prompt, as a `ChatRequest`). Only text counts: inline binary data and URLs are skipped.
 * @internal
 */
export function estimateSdkTokens(
  provider: ProviderName,
  params: unknown,
  defaultMaxTokens: number,
  estimator: TokenEstimator,
): number {
  const p = (params !== null && typeof params === 'object' ? params : {}) as Params;
  const messages = messagesOf(provider, p);
  const system = provider === 'gemini' ? textOf(configOf(p).systemInstruction) : textOf(p.system);
  const model = typeof p.model === 'string' ? p.model : '';
  const input = estimator.estimateInput({ messages, ...(system !== '' ? { system } : {}) }, model, provider);
  return (Number.isFinite(input) && input > 0 ? Math.ceil(input) : 0) + sdkMaxOutput(provider, p, defaultMaxTokens);
}

function configOf(p: Params): Params {
  return (p.config !== null && typeof p.config === 'object' ? p.config : {}) as Params;
}

/** The most output tokens an SDK call's params allow (else `fallback`). @internal */
export function sdkMaxOutput(provider: ProviderName, p: Params, fallback: number): number {
  const candidates =
    provider === 'gemini'
      ? [configOf(p).maxOutputTokens]
      : provider === 'anthropic'
        ? [p.max_tokens]
        : [p.max_completion_tokens, p.max_tokens, p.max_output_tokens];
  for (const c of candidates) if (typeof c === 'number' && Number.isFinite(c) && c >= 0) return Math.ceil(c);
  return fallback;
}

function messagesOf(provider: ProviderName, p: Params): ChatMessage[] {
  const list = provider === 'gemini' ? p.contents : provider === 'openai' ? (p.messages ?? p.input) : p.messages;
  if (list === undefined || list === null) return [];
  const items: unknown[] = Array.isArray(list) ? list : [list];
  return items.map((item) => ({ role: roleOf(item), content: textOf(item) }));
}

function roleOf(item: unknown): ChatMessage['role'] {
  const role = item !== null && typeof item === 'object' ? (item as Params).role : undefined;
  if (role === 'assistant' || role === 'model') return 'assistant';
  return role === 'system' || role === 'developer' ? 'system' : 'user';
}

/** Every prompt string inside `value` (message content, parts' text), joined by newlines. */
function textOf(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return '';
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = textOf(v, depth + 1);
      if (t !== '') out.push(t);
    }
  } else {
    for (const [k, v] of Object.entries(value as Params)) {
      if (SKIPPED_KEYS.has(k)) continue;
      const t = textOf(v, depth + 1);
      if (t !== '') out.push(t);
    }
  }
  return out.join('\n');
}
