// The cost of a call from its normalised usage, and the worst case reserved before it runs.
import type { LlmUsage } from '../chat/chat.types.js';
import { NANO_USD_PER_USD, type CallCost, type ModelPrice } from './price.types.js';

/** A token count as billed: finite and >= 0, else 0. */
const tokens = (n: number): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);

/** Float noise (e.g. `1000 × 1.5e-7 × 1e9 = 150000.00000000003`) below this many nano-USD is ignored when rounding. */
const NOISE_NANO = 1e-6;

/** `Math.round` (halves up) that does not let float noise move an exact half down (`37.4999999999` → 38). */
function roundNano(nano: number): number {
  const floor = Math.floor(nano);
  return nano - floor >= 0.5 - NOISE_NANO ? floor + 1 : floor;
}

/**
 * The cost of one call's normalised usage ({@link LlmUsage}) at `price`, each kind of token
 * once, at its own price:
 * - uncached input = `inputTokens - cacheReadTokens - cacheWriteTokens` (clamped >= 0) ×
 *   `input_cost_per_token`;
 * - cache reads × `cache_read_input_token_cost`, cache writes × `cache_creation_input_token_cost`
 *   (each defaults to `input_cost_per_token`);
 * - output without reasoning = `outputTokens - reasoningTokens` (clamped >= 0) ×
 *   `output_cost_per_token`; reasoning × `output_cost_per_reasoning_token` (else the output price).
 *
 * Inconsistent usage (cache or reasoning counts above the totals that should include them) is
 * clamped, never negative: the reported cache and reasoning tokens are billed as reported, the
 * remainder is 0. Negative or non-finite counts count as 0. `nanoUsd` is
 * `Math.round(total × 1e9)` (halves up; float noise under 1e-6 nano-USD ignored), `usd = nanoUsd
 * / 1e9`, `estimated: false`; the parts are the unrounded USD amounts. See docs/llm/pricing.md.
 * @publicApi
 */
export function costOfUsage(usage: LlmUsage, price: ModelPrice): CallCost {
  const input = tokens(usage.inputTokens);
  const cacheRead = tokens(usage.cacheReadTokens);
  const cacheWrite = tokens(usage.cacheWriteTokens);
  const output = tokens(usage.outputTokens);
  const reasoning = tokens(usage.reasoningTokens);
  const inPrice = price.input_cost_per_token;
  const outPrice = price.output_cost_per_token;
  const inputUsd = Math.max(0, input - cacheRead - cacheWrite) * inPrice;
  const cacheReadUsd = cacheRead * (price.cache_read_input_token_cost ?? inPrice);
  const cacheWriteUsd = cacheWrite * (price.cache_creation_input_token_cost ?? inPrice);
  const outputUsd = Math.max(0, output - reasoning) * outPrice;
  const reasoningUsd = reasoning * (price.output_cost_per_reasoning_token ?? outPrice);
  const nanoUsd = roundNano((inputUsd + cacheReadUsd + cacheWriteUsd + outputUsd + reasoningUsd) * NANO_USD_PER_USD);
  return {
    usd: nanoUsd / NANO_USD_PER_USD,
    nanoUsd,
    inputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    outputUsd,
    reasoningUsd,
    estimated: false,
  };
}

function count(name: string, n: number): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    throw new RangeError(`worstCaseNanoUsd: ${name} must be a finite number >= 0, got ${String(n)}`);
  return n;
}

/**
 * The most a call can cost before it runs, in integer nano-USD, rounded UP (what a budget
 * reserves): `inputTokens × max(input_cost_per_token, cache_creation_input_token_cost ??
 * input_cost_per_token) + maxOutputTokens × max(output_cost_per_token,
 * output_cost_per_reasoning_token ?? output_cost_per_token)`. Every input token may be a cache
 * write (the dearest input kind; cache reads are cheaper) and every output token reasoning.
 * Float noise under 1e-6 nano-USD is not rounded up. Throws a RangeError for a negative or
 * non-finite count.
 * @publicApi
 */
export function worstCaseNanoUsd(inputTokens: number, maxOutputTokens: number, price: ModelPrice): number {
  const inPrice = price.input_cost_per_token;
  const outPrice = price.output_cost_per_token;
  const usd =
    count('inputTokens', inputTokens) * Math.max(inPrice, price.cache_creation_input_token_cost ?? inPrice) +
    count('maxOutputTokens', maxOutputTokens) * Math.max(outPrice, price.output_cost_per_reasoning_token ?? outPrice);
  const nano = usd * NANO_USD_PER_USD;
  const nearest = Math.round(nano);
  return Math.abs(nano - nearest) < NOISE_NANO ? nearest : Math.ceil(nano);
}

/**
 * A {@link CallCost} of `nanoUsd` (an integer >= 0) with `estimated: true`: used when a call is
 * settled at its reserved worst case because its real usage is unknown (no usage reported, the
 * stream was cut, the outcome is uncertain). `usd = nanoUsd / 1e9`; the parts (`inputUsd`,
 * `cacheReadUsd`, `cacheWriteUsd`, `outputUsd`, `reasoningUsd`) are all 0, since the split is
 * unknown — only the totals count. Throws a RangeError for a non-integer or negative amount.
 * @publicApi
 */
export function estimatedCost(nanoUsd: number): CallCost {
  if (!Number.isSafeInteger(nanoUsd) || nanoUsd < 0)
    throw new RangeError(`estimatedCost: nanoUsd must be an integer >= 0, got ${String(nanoUsd)}`);
  return {
    usd: nanoUsd / NANO_USD_PER_USD,
    nanoUsd,
    inputUsd: 0,
    cacheReadUsd: 0,
    cacheWriteUsd: 0,
    outputUsd: 0,
    reasoningUsd: 0,
    estimated: true,
  };
}
