import { checkKnownKeys, checkOptionsObject, optionalNumber } from '../../core/options/validate.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import type { ChatRequest, ProviderName } from '../chat/chat.types.js';
import { cachedCount } from './count-cache.js';
import { heuristicTokens } from './heuristic-tokens.js';
import {
  countChat,
  encodingForModel,
  sharedLoader,
  type EncodingLoader,
  type OpenAIEncodingName,
  type TextCounter,
} from './openai-tokens.js';
import type { TokenEstimator } from './token-estimator.js';

/** Where the default estimator's one warning goes (Nest's `Logger` fits). @publicApi */
export interface EstimatorLogger {
  warn(message: string): void;
}

/** Options of {@link createDefaultEstimator}. @publicApi */
export interface DefaultEstimatorOptions {
  /**
   * Factor applied to the o200k (or heuristic) count of each text for a provider without a local
   * tokenizer (Anthropic, Gemini): `ceil(count × margin)`, at least `ceil(chars / 3.5)`. A number >= 1. Default 1.15 (`DEFAULT_ESTIMATOR_DEFAULTS.margin`).
   */
  margin?: number;
  /**
   * Told once, when `gpt-tokenizer` cannot be loaded and the heuristic is used instead.
   * Default: none (nothing is printed).
   */
  logger?: EstimatorLogger;
  /**
   * Characters of text whose counts are remembered, per encoding, so a text sent again (a system
   * prompt, the earlier turns of a conversation) is not tokenized again: two generations of at
   * most this many characters each (a text counted on every call stays; one-off texts age out);
   * a longer text is counted every time. The texts themselves are held until they age out: 0
   * where a prompt must not stay in memory after its call. An integer >= 0; 0 turns the cache off.
   * Default 1,000,000 (`DEFAULT_ESTIMATOR_DEFAULTS.cacheChars`): at most about 4 MB of text per encoding.
   */
  cacheChars?: number;
}

/** How an estimate is computed for one model. @publicApi */
export type EstimateMethod = OpenAIEncodingName | 'heuristic';

/** The built-in estimator (docs/llm/estimation.md). @publicApi */
export interface DefaultTokenEstimator extends TokenEstimator {
  /** The margin applied to Anthropic and Gemini counts. */
  readonly margin: number;
  /**
   * What `estimateInput` uses for `model` of `provider`: the encoding, or `'heuristic'` when
   * `gpt-tokenizer` is not available. Loads the encoding now (synchronously) when it is not
   * yet: call it at start-up to take the one-time load (0.2–0.5 s) off the first request.
   */
  preload(model: string, provider: ProviderName): EstimateMethod;
}

/** Defaults of {@link DefaultEstimatorOptions}. @publicApi */
export const DEFAULT_ESTIMATOR_DEFAULTS = { margin: 1.15, cacheChars: 1_000_000 } as const;

/**
 * The floor of a text's count for Anthropic and Gemini: at least one token per 3.5 characters
 * (Anthropic's rule of thumb for Claude; Gemini's is about 4). It covers text that o200k packs
 * better than those tokenizers do (long Latin-script words), where `o200k × margin` alone is low.
 * @publicApi
 */
export const MARGIN_CHARS_PER_TOKEN = 3.5;

const KNOWN_OPTIONS = ['margin', 'logger', 'cacheChars'] as const;

type Count = (text: string) => number;

class DefaultEstimator implements DefaultTokenEstimator {
  #warned = false;
  /** Per encoding: the OpenAI text count (exact or heuristic, behind its cache), built once. */
  readonly #openai = new Map<OpenAIEncodingName, Count>();
  /** The Anthropic / Gemini text count, built once. */
  #other: Count | undefined;

  constructor(
    readonly margin: number,
    private readonly logger: EstimatorLogger | undefined,
    private readonly load: EncodingLoader,
    private readonly cacheChars: number,
  ) {}

  estimateInput(request: ChatRequest, model: string, provider: ProviderName): number {
    return countChat(request, provider === 'openai' ? this.#openaiCount(encodingForModel(model)) : this.#otherCount());
  }

  preload(model: string, provider: ProviderName): EstimateMethod {
    const encoding = provider === 'openai' ? encodingForModel(model) : 'o200k_base';
    return this.#counter(encoding) === undefined ? 'heuristic' : encoding;
  }

  #openaiCount(encoding: OpenAIEncodingName): Count {
    let count = this.#openai.get(encoding);
    if (count === undefined) {
      const counter = this.#counter(encoding);
      count = cachedCount(counter === undefined ? heuristicTokens : (text) => counter.count(text), this.cacheChars);
      this.#openai.set(encoding, count);
    }
    return count;
  }

  #otherCount(): Count {
    if (this.#other === undefined) {
      const base = this.#openaiCount('o200k_base');
      const margin = this.margin;
      this.#other = (text) => Math.max(Math.ceil(base(text) * margin), Math.ceil(text.length / MARGIN_CHARS_PER_TOKEN));
    }
    return this.#other;
  }

  #counter(encoding: OpenAIEncodingName): TextCounter | undefined {
    const outcome = this.load(encoding);
    if ('count' in outcome) return outcome;
    if (!this.#warned) {
      this.#warned = true;
      this.logger?.warn(
        `nest-resilience: gpt-tokenizer could not be loaded (${outcome.reason}); token estimates use the ` +
          `heuristic (docs/llm/estimation.md). Install gpt-tokenizer for exact OpenAI counts.`,
      );
    }
    return undefined;
  }
}

/**
 * Builds the estimator with `loader` in place of `gpt-tokenizer` (specs: a missing package).
 * @internal
 */
export function createEstimatorWithLoader(
  options: DefaultEstimatorOptions | undefined,
  loader: EncodingLoader,
  path = 'estimator',
): DefaultTokenEstimator {
  const o: unknown = options ?? {};
  checkOptionsObject(path, o);
  checkKnownKeys(path, o, KNOWN_OPTIONS);
  const given = o as DefaultEstimatorOptions;
  const margin = optionalNumber(`${path}.margin`, given.margin, DEFAULT_ESTIMATOR_DEFAULTS.margin, { min: 1 });
  const cacheChars = optionalNumber(`${path}.cacheChars`, given.cacheChars, DEFAULT_ESTIMATOR_DEFAULTS.cacheChars, {
    min: 0,
    integer: true,
  });
  const logger = given.logger;
  if (logger !== undefined && (logger === null || typeof logger.warn !== 'function')) {
    throw new ResilienceConfigError(`${path}.logger`, logger, 'an object with a warn(message) method');
  }
  return new DefaultEstimator(margin, logger, loader, cacheChars);
}

/**
 * The built-in token estimator (see docs/llm/estimation.md):
 * - OpenAI (and any OpenAI-compatible model): the model's encoding from `gpt-tokenizer`
 *   (`o200k_base`, or `cl100k_base` for gpt-4 / gpt-3.5), loaded once per process on first use,
 *   with the cookbook's chat framing (3 per message + its role, 3 for the reply);
 * - Anthropic and Gemini (no local tokenizer): per text, the larger of `ceil(o200k × margin)`
 *   (margin default 1.15) and `ceil(chars / 3.5)`, with the same framing;
 * - without `gpt-tokenizer` installed: {@link heuristicTokens} in place of the encoding (× `margin`
 *   for Anthropic and Gemini), and one warning to `logger`;
 * - the count of each text remembered (`cacheChars`), so a text sent again is not tokenized again.
 * Throws `ResilienceConfigError` (`estimator.margin`, `estimator.logger`, `estimator.cacheChars`) on bad options.
 * @publicApi
 */
export function createDefaultEstimator(options?: DefaultEstimatorOptions): DefaultTokenEstimator {
  return createEstimatorWithLoader(options, sharedLoader);
}

/**
 * The estimator an iModel uses when its options name none: `createDefaultEstimator()` (margin
 * 1.15, no logger). Nothing is loaded until its first estimate.
 * @publicApi
 */
export const defaultEstimator: DefaultTokenEstimator = createDefaultEstimator();
