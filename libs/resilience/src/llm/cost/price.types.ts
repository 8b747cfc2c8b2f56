/**
 * Prices of one model, in USD per token, with the field names of LiteLLM's price map
 * (`model_prices_and_context_window.json`), so its entries can be dropped in as they are. Fields
 * not listed here are accepted and ignored. See docs/llm/pricing.md.
 * @publicApi
 */
export interface ModelPrice {
  /** USD per uncached input token. */
  input_cost_per_token: number;
  /** USD per output token (reasoning tokens included unless `output_cost_per_reasoning_token` is set). */
  output_cost_per_token: number;
  /** USD per input token read from the provider's prompt cache. Absent: `input_cost_per_token`. */
  cache_read_input_token_cost?: number;
  /** USD per input token written to the prompt cache (Anthropic cache creation). Absent: `input_cost_per_token`. */
  cache_creation_input_token_cost?: number;
  /** USD per reasoning output token, where it differs from `output_cost_per_token`. */
  output_cost_per_reasoning_token?: number;
  /** LiteLLM's provider name of the entry (`openai`, `anthropic`, `gemini`, ...); informative. */
  litellm_provider?: string;
  max_input_tokens?: number;
  max_output_tokens?: number;
  /** Any other LiteLLM field (ignored). */
  [field: string]: unknown;
}

/** Nano-USD (10⁻⁹ USD) per USD: budgets and the ledger count integer nano-USD, so sums are exact. @publicApi */
export const NANO_USD_PER_USD = 1_000_000_000;

/**
 * The cost of one call, from its normalised usage (`LlmUsage`): each kind of token once, at its
 * own price (cached input tokens at the cache prices, not also as input). `nanoUsd` is the exact
 * integer the budgets count; `usd === nanoUsd / 1e9`; the parts are informative (USD).
 * @publicApi
 */
export interface CallCost {
  /** Total, USD (`nanoUsd / 1e9`). */
  usd: number;
  /** Total, integer nano-USD (what budgets settle). */
  nanoUsd: number;
  /** Uncached input tokens × `input_cost_per_token`. */
  inputUsd: number;
  /** Cache read tokens × `cache_read_input_token_cost`. */
  cacheReadUsd: number;
  /** Cache write tokens × `cache_creation_input_token_cost`. */
  cacheWriteUsd: number;
  /** Non-reasoning output tokens × `output_cost_per_token`. */
  outputUsd: number;
  /** Reasoning tokens × `output_cost_per_reasoning_token` (else the output price). */
  reasoningUsd: number;
  /** True when the cost is the call's reserved worst case, not its reported usage (see docs/llm/budgets.md, "Settlement"). */
  estimated: boolean;
}

/** Where the price table's one warning per unknown model goes (Nest's `Logger` fits). @publicApi */
export interface CostLogger {
  warn(message: string): void;
  log?(message: string): void;
}
