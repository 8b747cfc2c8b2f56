// OpenAI token counting with `gpt-tokenizer` (an optional peer). The package ships CommonJS next to
// its ESM build, so one encoding is loaded synchronously through `createRequire` the first time a
// model needs it (0.2–0.5 s, 80–110 MB once per process), and kept for the life of the process.
// A missing package is remembered too: it is looked up once, not on every call.
import { createRequire } from 'node:module';
import type { ChatRequest } from '../chat/chat.types.js';

/** The encodings the default estimator uses. @publicApi */
export type OpenAIEncodingName = 'o200k_base' | 'cl100k_base';

/** Counts the tokens of a text (one loaded encoding). @internal */
export interface TextCounter {
  count(text: string): number;
}

/** Why an encoding could not be loaded (an error code such as `MODULE_NOT_FOUND`). @internal */
export interface LoadFailure {
  reason: string;
}

/** Loads an encoding: its counter, or why it is not available. @internal */
export type EncodingLoader = (encoding: OpenAIEncodingName) => TextCounter | LoadFailure;

/**
 * Chat framing of the OpenAI cookbook ("How to count tokens with tiktoken", gpt-3.5-turbo-0613
 * and later): every message costs 3 tokens plus its role (`user`, `assistant`, `system`: 1 token
 * each in o200k and cl100k), a `name` 1 more, and every reply is primed with 3
 * (`<|start|>assistant<|message|>`).
 * @publicApi
 */
export const OPENAI_CHAT_FRAMING = { tokensPerMessage: 3, tokensPerName: 1, replyPriming: 3, roleTokens: 1 } as const;

const O200K_PREFIXES = ['gpt-4o', 'chatgpt-4o', 'gpt-4.1', 'gpt-4.5', 'gpt-5', 'gpt-oss', 'o1', 'o3', 'o4', 'codex'];
const CL100K_PREFIXES = ['gpt-4', 'gpt-3.5', 'gpt-35', 'text-embedding-3', 'text-embedding-ada'];

/**
 * The encoding of an OpenAI model: gpt-4o, gpt-4.1, gpt-4.5, gpt-5, gpt-oss, o1 / o3 / o4 →
 * `o200k_base`; gpt-4 (incl. turbo) and gpt-3.5 → `cl100k_base`; any other name (an
 * OpenAI-compatible server's model) → `o200k_base`. A `provider/` prefix (`openai/gpt-4o`) and
 * case are ignored.
 * @publicApi
 */
export function encodingForModel(model: string): OpenAIEncodingName {
  const slash = model.lastIndexOf('/');
  const m = (slash >= 0 ? model.slice(slash + 1) : model).toLowerCase();
  if (O200K_PREFIXES.some((p) => m.startsWith(p))) return 'o200k_base';
  if (CL100K_PREFIXES.some((p) => m.startsWith(p))) return 'cl100k_base';
  return 'o200k_base';
}

/** Special-token text (`<|endoftext|>`) in a prompt is counted as text, never refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

interface GptTokenizerEncoding {
  countTokens(text: string, options?: { disallowedSpecial?: Set<string> }): number;
}

/**
 * The loader over `require('gpt-tokenizer/encoding/<name>')` (synchronous; an install without the
 * CommonJS build fails the same way a missing package does). Each encoding is required at most
 * once; the outcome, counter or failure, is kept.
 * @internal
 */
export function requireLoader(req: (id: string) => unknown = createRequire(import.meta.url)): EncodingLoader {
  const loaded = new Map<OpenAIEncodingName, TextCounter | LoadFailure>();
  return (encoding) => {
    let outcome = loaded.get(encoding);
    if (outcome !== undefined) return outcome;
    try {
      const mod = req(`gpt-tokenizer/encoding/${encoding}`) as Partial<GptTokenizerEncoding> | undefined;
      const countTokens = mod?.countTokens;
      if (typeof countTokens !== 'function') throw Object.assign(new Error('no countTokens'), { code: 'NO_API' });
      outcome = { count: (text: string) => countTokens(text, AS_TEXT) };
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      outcome = { reason: typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown' };
    }
    loaded.set(encoding, outcome);
    return outcome;
  };
}

/** The process-wide loader: gpt-tokenizer is loaded at most once per encoding per process. @internal */
export const sharedLoader: EncodingLoader = requireLoader();

/**
 * Tokens of a chat request with `count` the cost of one text, framed like the OpenAI cookbook:
 * the system prompt (`request.system`, even empty: the OpenAI provider sends it) is a message of
 * its own, every message costs
 * `3 + 1 (role) + count(content)`, and the reply priming adds 3.
 * @internal
 */
export function countChat(request: ChatRequest, count: (text: string) => number): number {
  const f = OPENAI_CHAT_FRAMING;
  const perMessage = f.tokensPerMessage + f.roleTokens;
  let total = f.replyPriming;
  if (request.system !== undefined) total += perMessage + count(request.system);
  for (const m of request.messages) total += perMessage + count(m.content);
  return total;
}
