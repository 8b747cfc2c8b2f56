// What the simulated OpenAI-compatible server answers: the text, the usage computed from the
// request (o200k_base, as OpenAI counts gpt-4o-class models), the chat-completion body and the
// stream chunks. Pure functions of the request.
import { decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

/** A parsed chat-completions request, as far as the simulator reads it. */
export interface SimChatRequest {
  model: string;
  messages: Array<{ role: string; content: string; name?: string }>;
  /** `max_completion_tokens`, else `max_tokens`. */
  maxTokens: number | undefined;
  stream: boolean;
  includeUsage: boolean;
}

/** The computed answer of one request. */
export interface SimAnswer {
  text: string;
  finishReason: 'stop' | 'length';
  promptTokens: number;
  completionTokens: number;
}

/** Model named in answers when the request names none. */
export const SIM_DEFAULT_MODEL = 'gpt-4o-mini';

/** Special-token text in a prompt is counted as text. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
const tokens = (text: string) => encode(text, AS_TEXT);

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  if (!Array.isArray(content)) return undefined;
  return content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
}

/** Validates a request body; a string is the reason of a 400 (OpenAI's `invalid_request_error`). */
export function parseChatRequest(body: unknown): SimChatRequest | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'The body must be a JSON object.';
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "Missing required parameter: 'messages'.";
  const messages: SimChatRequest['messages'] = [];
  for (const [i, m] of (b.messages as unknown[]).entries()) {
    const msg = m as { role?: unknown; content?: unknown; name?: unknown } | null;
    const content = contentText(msg?.content);
    if (typeof msg?.role !== 'string' || content === undefined) return `Invalid value for 'messages[${i}]'.`;
    messages.push({ role: msg.role, content, ...(typeof msg.name === 'string' ? { name: msg.name } : {}) });
  }
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1))
    return "Invalid 'max_completion_tokens': expected an integer >= 1.";
  const options = b.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof b.model === 'string' && b.model !== '' ? b.model : SIM_DEFAULT_MODEL,
    messages,
    maxTokens: typeof max === 'number' ? max : undefined,
    stream: b.stream === true,
    includeUsage: options?.include_usage === true,
  };
}

/**
 * Prompt tokens the way OpenAI counts a gpt-4o-class chat request (the cookbook): 3 for the reply
 * priming, and per message 3 + tokens(role) + tokens(content) (+ tokens(name) + 1).
 */
export function simPromptTokens(req: SimChatRequest): number {
  let n = 3;
  for (const m of req.messages) {
    n += 3 + tokens(m.role).length + tokens(m.content).length;
    if (m.name !== undefined) n += tokens(m.name).length + 1;
  }
  return n;
}

/**
 * The answer: `[simulated] ...` quoting the start of the last user message; cut to `maxTokens`
 * (finish `length`) when longer. Usage: the prompt count above and the answer's o200k tokens.
 */
export function simAnswer(req: SimChatRequest): SimAnswer {
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const quoted = last.length > 80 ? `${last.slice(0, 80)}...` : last;
  const full =
    `[simulated] You asked: "${quoted}". This answer comes from the sample's local simulated ` +
    `OpenAI-compatible server (no provider key was set), not from a real model.`;
  const out = tokens(full);
  const cut = req.maxTokens !== undefined && out.length > req.maxTokens;
  return {
    text: cut ? decode(out.slice(0, req.maxTokens)) : full,
    finishReason: cut ? 'length' : 'stop',
    promptTokens: simPromptTokens(req),
    completionTokens: cut ? req.maxTokens! : out.length,
  };
}

/** OpenAI's usage object of an answer. */
export function simUsage(a: SimAnswer): Record<string, unknown> {
  return {
    prompt_tokens: a.promptTokens,
    completion_tokens: a.completionTokens,
    total_tokens: a.promptTokens + a.completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

const CREATED = 1_700_000_000;

/** The `chat.completion` body. */
export function simCompletionBody(id: string, req: SimChatRequest, a: SimAnswer): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created: CREATED,
    model: req.model,
    choices: [
      { index: 0, message: { role: 'assistant', content: a.text, refusal: null }, finish_reason: a.finishReason },
    ],
    usage: simUsage(a),
    system_fingerprint: 'fp_simulated',
  };
}

/**
 * The `data:` payloads of a stream: a role chunk, the text in up to `pieces` word-aligned deltas, a
 * chunk with `finish_reason`, the usage chunk (`choices: []`) when `include_usage`, then `[DONE]`.
 */
export function simStreamPayloads(id: string, req: SimChatRequest, a: SimAnswer, pieces = 6): string[] {
  const head = { id, object: 'chat.completion.chunk', created: CREATED, model: req.model };
  const extra = req.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  const words = a.text.split(/(?<= )/);
  const size = Math.max(1, Math.ceil(words.length / pieces));
  const out = [chunk({ role: 'assistant', content: '' }, null)];
  for (let i = 0; i < words.length; i += size) out.push(chunk({ content: words.slice(i, i + size).join('') }, null));
  out.push(chunk({}, a.finishReason));
  if (req.includeUsage) out.push(JSON.stringify({ ...head, choices: [], usage: simUsage(a) }));
  out.push('[DONE]');
  return out;
}
