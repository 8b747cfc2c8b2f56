import type { LlmUsage } from '../../chat/chat.types.js';

/**
 * Gemini's `usageMetadata` (GenerateContentResponse), the fields iModel reads.
 * @publicApi
 */
export interface GeminiUsageMetadata {
  /** Prompt tokens, **including** `cachedContentTokenCount`. */
  promptTokenCount?: number;
  /** Tokens of the answer's candidates (without thoughts). */
  candidatesTokenCount?: number;
  /** Prompt tokens served from the context cache (part of `promptTokenCount`). */
  cachedContentTokenCount?: number;
  /** Tokens of the model's thinking, reported apart from `candidatesTokenCount`. */
  thoughtsTokenCount?: number;
  /** Prompt tokens of tool results fed back to the model (search grounding, code execution): billed as input, apart from `promptTokenCount`. */
  toolUsePromptTokenCount?: number;
  /** `promptTokenCount + candidatesTokenCount + thoughtsTokenCount + toolUsePromptTokenCount`. */
  totalTokenCount?: number;
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/**
 * Normalises Gemini's `usageMetadata` to {@link LlmUsage} (see docs/llm/gemini.md, "Usage"):
 * - `inputTokens` = `promptTokenCount + toolUsePromptTokenCount` (`promptTokenCount` already
 *   includes the cached tokens; the tool-use prompt is prompt input Gemini bills but reports
 *   apart, and `inputTokens` counts every prompt token);
 * - `outputTokens` = `candidatesTokenCount + thoughtsTokenCount` (Gemini reports thoughts apart;
 *   our `outputTokens` includes reasoning, which is billed as output), `reasoningTokens` =
 *   `thoughtsTokenCount`;
 * - `cacheReadTokens` = `cachedContentTokenCount`, `cacheWriteTokens` = 0 (Gemini bills cache
 *   creation through the caches API, not per request);
 * - `totalTokens` = `inputTokens + outputTokens`, so it equals Gemini's `totalTokenCount`
 *   (which is not read).
 * Missing or invalid (negative, non-numeric) counts are 0. `undefined` for a non-object.
 * @publicApi
 */
export function geminiUsage(meta: unknown): LlmUsage | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const m = meta as GeminiUsageMetadata;
  const inputTokens = count(m.promptTokenCount) + count(m.toolUsePromptTokenCount);
  const reasoningTokens = count(m.thoughtsTokenCount);
  const outputTokens = count(m.candidatesTokenCount) + reasoningTokens;
  return {
    inputTokens,
    outputTokens,
    cacheReadTokens: count(m.cachedContentTokenCount),
    cacheWriteTokens: 0,
    reasoningTokens,
    totalTokens: inputTokens + outputTokens,
  };
}

/** The normalised usage of a GenerateContentResponse body (its `usageMetadata`), or `undefined`. @publicApi */
export function geminiUsageOf(body: unknown): LlmUsage | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  return geminiUsage((body as { usageMetadata?: unknown }).usageMetadata);
}
