import type { Clock } from '../../core/clock.js';
import type { PolicyResolver } from '../../core/policy/policy-resolver.js';
import type { ResilienceStore } from '../../core/store/store.js';
import type { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { ProviderName } from '../chat/chat.types.js';
import type { CostTracker } from '../cost/cost-tracker.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';

/**
 * One configured model (see docs/llm/imodel.md). Only `provider` and `model` are required.
 * @publicApi
 */
export interface IModelOptions {
  /** Provider wire format. `openai` covers any OpenAI-compatible server (`baseUrl`). */
  provider: ProviderName;
  /** Provider model id (`gpt-4o-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`). */
  model: string;
  /** The key. Default: the provider's env variable (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`). */
  apiKey?: string;
  /** Default: the provider's public API (`https://api.openai.com/v1`, `https://api.anthropic.com`, `https://generativelanguage.googleapis.com`). */
  baseUrl?: string;
  /** Anthropic `anthropic-version` (default `2023-06-01`); Gemini API version (default `v1beta`). */
  apiVersion?: string;
  /** Extra headers on every request (credential headers are refused: use `apiKey`). */
  headers?: Readonly<Record<string, string>>;
  /**
   * The executor that runs this model's calls: an instance (shared by several models on one key,
   * so they share its limits and lanes) or the options of one of its own (named `<name>`).
   */
  executor: Executor | ExecutorOptions;
  /** Default `maxTokens` of a request. Default 1024. */
  maxTokens?: number;
  /** Default temperature (absent: the provider's). */
  temperature?: number;
  /** Per-attempt time limit to the last byte (a stream: between two chunks), ms. Default 600000. */
  timeoutMs?: number;
  /** iModel names tried in order when this one's breaker is open or its retries are exhausted on transient errors. */
  fallbacks?: readonly string[];
  /** Input-token estimator. Default: the built-in one (docs/llm/estimation.md). */
  estimator?: TokenEstimator;
  /** Extra strings to scrub from errors and events (the key always is). */
  secrets?: readonly string[];
  /**
   * Prices, budgets and the usage log of this model's calls (docs/llm/costs.md): each call is
   * reserved against the budgets at dispatch, settled to its actual cost, and logged. A model
   * without a price while a budget may apply fails at create.
   */
  costs?: CostTracker;
}

/** What an iModel runs on (`IModel.create(name, options, deps)`; `imodel.ts` adds `registry` for fallbacks). @publicApi */
export interface IModelBaseDeps {
  clock?: Clock;
  /** Resolves executor policy names; its store is the default store of an inline executor. */
  resolver?: PolicyResolver;
  store?: ResilienceStore;
  /** Environment read for the default key. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}
