// Validation of price entries (LiteLLM field names) from options and from a LiteLLM price file.
import { readFileSync } from 'node:fs';
import { ResilienceConfigError, describeValue } from '../../core/errors/config.error.js';
import type { ModelPrice } from './price.types.js';

/** The fields iModel reads: required ones first, then optional ones (absent or null: not set). */
const REQUIRED = ['input_cost_per_token', 'output_cost_per_token'] as const;
const OPTIONAL = [
  'cache_read_input_token_cost',
  'cache_creation_input_token_cost',
  'output_cost_per_reasoning_token',
  'max_input_tokens',
  'max_output_tokens',
] as const;

/** LiteLLM's documentation entry at the top of its price map (its values are descriptions). */
export const LITELLM_SAMPLE_SPEC = 'sample_spec';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Where a bad entry is reported: `prices` entries name `<path>.prices.<model>.<field>`; file
 * entries name the file option's path (the message then gives the model and field, and the file).
 * @internal
 */
type Fail = (model: string, field: string | undefined, value: unknown, expected: string) => never;

function checkEntry(model: string, entry: unknown, fail: Fail): ModelPrice {
  if (!isObject(entry))
    fail(model, undefined, entry, 'an object with LiteLLM price fields (input_cost_per_token, ...)');
  for (const field of REQUIRED)
    if (!isAmount(entry[field])) fail(model, field, entry[field], 'a finite number >= 0 (USD per token)');
  for (const field of OPTIONAL) {
    const v = entry[field];
    if (v !== undefined && v !== null && !isAmount(v)) fail(model, field, v, 'a finite number >= 0, or absent');
  }
  // Unknown fields are kept (and ignored); null optional fields are dropped, so `??` defaults apply.
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry))
    if (v !== null || !(OPTIONAL as readonly string[]).includes(k)) copy[k] = v;
  return Object.freeze(copy) as ModelPrice;
}

/**
 * Validates the `prices` option: an object of model id → {@link ModelPrice}. Every entry must
 * have `input_cost_per_token` and `output_cost_per_token`; optional price fields, when set, are
 * finite numbers >= 0. A `sample_spec` key (LiteLLM's documentation entry) is skipped.
 * @internal
 */
export function normalizePrices(value: unknown, path: string): Map<string, ModelPrice> {
  const out = new Map<string, ModelPrice>();
  if (value === undefined) return out;
  if (!isObject(value)) throw new ResilienceConfigError(`${path}.prices`, value, 'an object of model id → price entry');
  const fail: Fail = (model, field, v, expected) => {
    throw new ResilienceConfigError(`${path}.prices.${model}${field === undefined ? '' : `.${field}`}`, v, expected);
  };
  for (const [model, entry] of Object.entries(value)) {
    if (model === LITELLM_SAMPLE_SPEC) continue;
    if (model.length === 0) fail(model, undefined, model, 'a non-empty model id as key');
    out.set(model, checkEntry(model, entry, fail));
  }
  return out;
}

/** LiteLLM modes whose entries must carry both per-token prices. */
const TOKEN_MODES: readonly unknown[] = ['chat', 'completion', 'responses'];
const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Whether a file entry is one to price per token: it has both token prices, or one of them and
 * no `mode` or a text mode (then the missing one is an error). Entries with neither, or with one
 * and another mode (embedding, image, audio...), are not ours to price and are skipped.
 */
function perTokenEntry(entry: Record<string, unknown>): boolean {
  const input = isSet(entry.input_cost_per_token);
  const output = isSet(entry.output_cost_per_token);
  if (input && output) return true;
  if (!input && !output) return false;
  return entry.mode === undefined || TOKEN_MODES.includes(entry.mode);
}

/**
 * Reads a JSON file in LiteLLM's price-map format (the whole map or a part), once, synchronously.
 * Skipped: `sample_spec`, entries without per-token prices (neither `input_cost_per_token` nor
 * `output_cost_per_token`: image, per-second audio, search entries...) and non-text entries
 * with only one of them. Other entries (chat, embedding, ...) are validated like `prices`
 * entries and kept. Any problem (unreadable,
 * not JSON, not an object, a bad entry) is a {@link ResilienceConfigError} naming `path` (the
 * file option's own path, e.g. `costs.pricesFile`).
 * @internal
 */
export function readPriceFile(file: unknown, path: string): Map<string, ModelPrice> {
  const p = path;
  if (typeof file !== 'string' || file.length === 0) throw new ResilienceConfigError(p, file, 'a file path');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e instanceof SyntaxError ? 'not valid JSON' : 'unreadable');
    throw new ResilienceConfigError(p, file, `a readable JSON file in LiteLLM's price-map format (${why})`);
  }
  if (!isObject(parsed))
    throw new ResilienceConfigError(p, file, "a JSON object of model id → price entry (LiteLLM's price-map format)");
  const fail: Fail = (model, field, v, expected) => {
    const at = `${JSON.stringify(model)}${field === undefined ? '' : `.${field}`}`;
    throw new ResilienceConfigError(p, file, `at ${at}: ${expected}, got ${describeValue(v)}`);
  };
  const out = new Map<string, ModelPrice>();
  for (const [model, entry] of Object.entries(parsed)) {
    if (model === LITELLM_SAMPLE_SPEC) continue;
    if (isObject(entry) && !perTokenEntry(entry)) continue;
    out.set(model, checkEntry(model, entry, fail));
  }
  return out;
}
