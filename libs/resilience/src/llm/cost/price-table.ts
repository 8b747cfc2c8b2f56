import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { LlmUsage, ProviderName } from '../chat/chat.types.js';
import { BUILT_IN_PRICES } from './built-in-prices.js';
import { costOfUsage } from './call-cost.js';
import { normalizePrices, readPriceFile } from './price-table.normalize.js';
import type { CallCost, CostLogger, ModelPrice } from './price.types.js';

/**
 * Where the prices of a {@link PriceTable} come from (see docs/llm/pricing.md). Precedence:
 * built-in table < `file` < `prices`.
 * @publicApi
 */
export interface PriceTableOptions {
  /** Entries merged over the built-in table; keys: model ids (`gpt-4o-mini`) or LiteLLM's `<provider>/<id>` (`gemini/gemini-2.5-flash`). */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Path of a JSON file in LiteLLM's price-map format (whole map or a part), merged over the built-in table and under `prices`. Read once, at create. */
  file?: string;
  /** false: no built-in table. Default true. */
  builtIn?: boolean;
  /** Receives the one warning per unknown model (default: none). */
  logger?: CostLogger;
}

/** Distinct unknown models warned about; past it, one last warning says further ones are not reported. */
const MAX_WARNED = 1000;

/**
 * Model prices (USD per token, LiteLLM field names): the built-in table, a LiteLLM price file
 * and `prices`, merged. Looks a model up by its exact id, then as `<provider>/<id>`. An unknown
 * model has no price: its cost is `null` (never a default price), and {@link PriceTable.priceFor}
 * warns once per model.
 *
 * ```ts
 * const table = PriceTable.create({ prices: { 'my-model': { input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 } } });
 * table.lookup('gemini-2.5-flash', 'gemini'); // the built-in `gemini/gemini-2.5-flash` entry
 * ```
 * @publicApi
 */
export class PriceTable {
  readonly #prices: ReadonlyMap<string, ModelPrice>;
  readonly #logger: CostLogger | undefined;
  readonly #path: string;
  readonly #warned = new Set<string>();

  private constructor(prices: ReadonlyMap<string, ModelPrice>, logger: CostLogger | undefined, path: string) {
    this.#prices = prices;
    this.#logger = logger;
    this.#path = path;
  }

  /**
   * Validates (ResilienceConfigError naming `<path>.prices.<model>.<field>` / `<path>.file`),
   * default path `costs`. The file is read here, once (synchronously). `names`: the option names
   * the caller exposes for `file` and `builtIn` (CostTracker: `pricesFile`, `builtInPrices`), so
   * an error names the option the user wrote.
   */
  static create(
    options: PriceTableOptions = {},
    path = 'costs',
    names: { readonly file: string; readonly builtIn: string } = { file: 'file', builtIn: 'builtIn' },
  ): PriceTable {
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new ResilienceConfigError(path, options, 'an options object');
    const { builtIn, file, prices, logger } = options;
    if (builtIn !== undefined && typeof builtIn !== 'boolean')
      throw new ResilienceConfigError(`${path}.${names.builtIn}`, builtIn, 'a boolean');
    if (logger !== undefined && (logger === null || typeof logger.warn !== 'function'))
      throw new ResilienceConfigError(`${path}.logger`, logger, 'an object with a warn(message) method');
    const fromOptions = normalizePrices(prices, path);
    const fromFile = file === undefined ? undefined : readPriceFile(file, `${path}.${names.file}`);
    const merged = new Map<string, ModelPrice>(builtIn === false ? [] : Object.entries(BUILT_IN_PRICES));
    if (fromFile !== undefined) for (const [model, price] of fromFile) merged.set(model, price);
    for (const [model, price] of fromOptions) merged.set(model, price);
    return new PriceTable(merged, logger, path);
  }

  /** Exact id, then `<provider>/<id>` (provider: 'openai' | 'anthropic' | 'gemini'); undefined when unknown. No warning. */
  lookup(model: string, provider?: ProviderName): ModelPrice | undefined {
    return this.#prices.get(model) ?? (provider === undefined ? undefined : this.#prices.get(`${provider}/${model}`));
  }

  /** lookup + ONE warning per unknown model id (logger.warn, naming the model and how to add a price). */
  priceFor(model: string, provider?: ProviderName): ModelPrice | undefined {
    const price = this.lookup(model, provider);
    if (price === undefined) this.#warnUnknown(model, provider);
    return price;
  }

  /** Cost of a call's normalised usage; null (after the one warning) for an unknown model. */
  costOf(usage: LlmUsage, model: string, provider?: ProviderName): CallCost | null {
    const price = this.priceFor(model, provider);
    return price === undefined ? null : costOfUsage(usage, price);
  }

  /** Model keys known (built-in + overrides), sorted. */
  models(): string[] {
    return [...this.#prices.keys()].sort();
  }

  #warnUnknown(model: string, provider: ProviderName | undefined): void {
    if (this.#logger === undefined || this.#warned.has(model) || this.#warned.size > MAX_WARNED) return;
    this.#warned.add(model);
    if (this.#warned.size > MAX_WARNED) {
      this.#logger.warn(
        `nest-resilience: more than ${MAX_WARNED} models without a price; further ones are not reported (their cost is null).`,
      );
      return;
    }
    const key = provider === undefined ? `"${model}"` : `"${model}" (or "${provider}/${model}")`;
    this.#logger.warn(
      `nest-resilience: no price for model "${model}"${provider === undefined ? '' : ` (provider ${provider})`}: ` +
        `its calls have cost null and are not priced. Add it to ${this.#path}.prices under ${key} ` +
        `with LiteLLM's fields, e.g. { input_cost_per_token: 1.5e-7, output_cost_per_token: 6e-7 } ` +
        `(USD per token), or load a LiteLLM price map file.`,
    );
  }
}
