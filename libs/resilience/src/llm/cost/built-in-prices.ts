// The built-in price table: current OpenAI, Anthropic and Gemini chat models, USD per token,
// with LiteLLM's field names and keys.
//
// Source: BerriAI/litellm, `model_prices_and_context_window.json` (repository root), commit
// 00035b69f416be24e2e323c13198d9b7d2d1bdf9, read 2026-12-02. Every value below is copied from
// that file's entry of the same key (only the fields iModel prices with, plus
// `litellm_provider`, `max_input_tokens`, `max_output_tokens` and `mode`); no value is derived
// or guessed. A model whose entry could not be read there is left out (price it through
// `costs.prices` or a LiteLLM file). Not applied here: LiteLLM's tiered fields (`*_above_200k_tokens`,
// Anthropic's 1-hour cache write `cache_creation_input_token_cost_above_1hr`, `*_batches`,
// `*_priority`, `*_flex`); see docs/llm/pricing.md.
//
// Gemini entries are keyed `gemini/<id>` as LiteLLM keys its Gemini API entries (its bare
// `gemini-*` keys are Vertex AI's); `PriceTable.lookup(id, 'gemini')` finds them by the bare id.
import type { ModelPrice } from './price.types.js';

type Entry = Readonly<ModelPrice>;

const openai = (input: number, output: number, cacheRead: number, maxIn: number, maxOut: number): Entry =>
  Object.freeze({
    input_cost_per_token: input,
    output_cost_per_token: output,
    cache_read_input_token_cost: cacheRead,
    litellm_provider: 'openai',
    max_input_tokens: maxIn,
    max_output_tokens: maxOut,
    mode: 'chat',
  });

const anthropic = (
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite: number,
  maxIn: number,
  maxOut: number,
): Entry =>
  Object.freeze({
    input_cost_per_token: input,
    output_cost_per_token: output,
    cache_read_input_token_cost: cacheRead,
    cache_creation_input_token_cost: cacheWrite,
    litellm_provider: 'anthropic',
    max_input_tokens: maxIn,
    max_output_tokens: maxOut,
    mode: 'chat',
  });

const gemini = (
  input: number,
  output: number,
  cacheRead: number,
  reasoning: number | undefined,
  maxIn: number,
  maxOut: number,
): Entry =>
  Object.freeze({
    input_cost_per_token: input,
    output_cost_per_token: output,
    cache_read_input_token_cost: cacheRead,
    ...(reasoning === undefined ? {} : { output_cost_per_reasoning_token: reasoning }),
    litellm_provider: 'gemini',
    max_input_tokens: maxIn,
    max_output_tokens: maxOut,
    mode: 'chat',
  });

/**
 * The built-in prices (USD per token, LiteLLM field names), keyed as LiteLLM keys them. Data
 * copied from LiteLLM's price map (see the header of this file for the commit); merged under a
 * price file and `costs.prices` (see docs/llm/pricing.md, "Built-in table").
 * @publicApi
 */
export const BUILT_IN_PRICES: Readonly<Record<string, Readonly<ModelPrice>>> = Object.freeze({
  // OpenAI
  'gpt-4o': openai(2.5e-6, 1e-5, 1.25e-6, 128000, 16384),
  'gpt-4o-2024-08-06': openai(2.5e-6, 1e-5, 1.25e-6, 128000, 16384),
  'gpt-4o-2024-11-20': openai(2.5e-6, 1e-5, 1.25e-6, 128000, 16384),
  'gpt-4o-mini': openai(1.5e-7, 6e-7, 7.5e-8, 128000, 16384),
  'gpt-4o-mini-2024-07-18': openai(1.5e-7, 6e-7, 7.5e-8, 128000, 16384),
  'gpt-4.1': openai(2e-6, 8e-6, 5e-7, 1047576, 32768),
  'gpt-4.1-2025-04-14': openai(2e-6, 8e-6, 5e-7, 1047576, 32768),
  'gpt-4.1-mini': openai(4e-7, 1.6e-6, 1e-7, 1047576, 32768),
  'gpt-4.1-mini-2025-04-14': openai(4e-7, 1.6e-6, 1e-7, 1047576, 32768),
  'gpt-4.1-nano': openai(1e-7, 4e-7, 2.5e-8, 1047576, 32768),
  'gpt-4.1-nano-2025-04-14': openai(1e-7, 4e-7, 2.5e-8, 1047576, 32768),
  'gpt-5': openai(1.25e-6, 1e-5, 1.25e-7, 272000, 128000),
  'gpt-5-2025-08-07': openai(1.25e-6, 1e-5, 1.25e-7, 272000, 128000),
  'gpt-5-mini': openai(2.5e-7, 2e-6, 2.5e-8, 272000, 128000),
  'gpt-5-mini-2025-08-07': openai(2.5e-7, 2e-6, 2.5e-8, 272000, 128000),
  'gpt-5-nano': openai(5e-8, 4e-7, 5e-9, 272000, 128000),
  'gpt-5-nano-2025-08-07': openai(5e-8, 4e-7, 5e-9, 272000, 128000),
  'gpt-5-chat-latest': openai(1.25e-6, 1e-5, 1.25e-7, 128000, 16384),
  'gpt-5.1': openai(1.25e-6, 1e-5, 1.25e-7, 272000, 128000),
  'gpt-5.4-mini': openai(7.5e-7, 4.5e-6, 7.5e-8, 1050000, 128000),
  'gpt-5.4-nano': openai(2e-7, 1.25e-6, 2e-8, 1050000, 128000),
  o3: openai(2e-6, 8e-6, 5e-7, 200000, 100000),
  'o3-2025-04-16': openai(2e-6, 8e-6, 5e-7, 200000, 100000),
  'o3-mini': openai(1.1e-6, 4.4e-6, 5.5e-7, 200000, 100000),
  'o4-mini': openai(1.1e-6, 4.4e-6, 2.75e-7, 200000, 100000),
  'o4-mini-2025-04-16': openai(1.1e-6, 4.4e-6, 2.75e-7, 200000, 100000),

  // Anthropic
  'claude-opus-4-1': anthropic(1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, 200000, 32000),
  'claude-opus-4-1-20250805': anthropic(1.5e-5, 7.5e-5, 1.5e-6, 1.875e-5, 200000, 32000),
  'claude-opus-4-5': anthropic(5e-6, 2.5e-5, 5e-7, 6.25e-6, 200000, 64000),
  'claude-opus-4-5-20251101': anthropic(5e-6, 2.5e-5, 5e-7, 6.25e-6, 200000, 64000),
  'claude-opus-4-6': anthropic(5e-6, 2.5e-5, 5e-7, 6.25e-6, 1000000, 128000),
  'claude-opus-4-7': anthropic(5e-6, 2.5e-5, 5e-7, 6.25e-6, 1000000, 128000),
  'claude-sonnet-4-5': anthropic(3e-6, 1.5e-5, 3e-7, 3.75e-6, 200000, 64000),
  'claude-sonnet-4-5-20250929': anthropic(3e-6, 1.5e-5, 3e-7, 3.75e-6, 200000, 64000),
  'claude-sonnet-4-6': anthropic(3e-6, 1.5e-5, 3e-7, 3.75e-6, 1000000, 64000),
  'claude-sonnet-4-20250514': anthropic(3e-6, 1.5e-5, 3e-7, 3.75e-6, 1000000, 64000),
  'claude-haiku-4-5': anthropic(1e-6, 5e-6, 1e-7, 1.25e-6, 200000, 64000),
  'claude-haiku-4-5-20251001': anthropic(1e-6, 5e-6, 1e-7, 1.25e-6, 200000, 64000),

  // Gemini (Gemini API; LiteLLM provider `gemini`)
  'gemini/gemini-2.5-pro': gemini(1.25e-6, 1e-5, 1.25e-7, undefined, 1048576, 65535),
  'gemini/gemini-2.5-flash': gemini(3e-7, 2.5e-6, 3e-8, 2.5e-6, 1048576, 65535),
  'gemini/gemini-2.5-flash-lite': gemini(1e-7, 4e-7, 1e-8, 4e-7, 1048576, 65535),
  'gemini/gemini-2.0-flash': gemini(1e-7, 4e-7, 2.5e-8, undefined, 1048576, 8192),
  'gemini/gemini-2.0-flash-lite': gemini(7.5e-8, 3e-7, 1.875e-8, undefined, 1048576, 8192),
});
