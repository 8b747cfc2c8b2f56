import type { Clock } from '../../core/clock.js';
import type { Executor } from '../../executor/executor.js';
import type { CostTracker } from '../cost/cost-tracker.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';

/**
 * Options of an SDK adapter (`OpenAIAdapter`, `AnthropicAdapter`, `GeminiAdapter`,
 * `createSdkAdapter`). Only `executor` is required. See docs/llm/adapters.md.
 * @publicApi
 */
export interface SdkAdapterOptions<TClientOptions = Record<string, unknown>> {
  /** Runs every HTTP request of the SDK as one event: its limits, lanes, retries and breaker apply. */
  executor: Executor;
  /**
   * The API's base URL (OpenAI `baseURL`, e.g. `http://127.0.0.1:4010/v1`; Anthropic `baseURL`;
   * Gemini `httpOptions.baseUrl`). Default: `clientOptions`' own, else the provider's public API.
   */
  baseUrl?: string;
  /** Per-attempt time limit (to the last byte; a stream: between two chunks), ms. Default 600000. */
  timeoutMs?: number;
  /**
   * Further options of the SDK client (`defaultHeaders`, `organization`, ...). The adapter's own
   * settings win: the key, the base URL, `fetch`, retries off and the SDK's timeout.
   */
  clientOptions?: TClientOptions;
  /** Gemini only: the API version of the path (`v1beta`, `v1`). Default `v1beta`. */
  apiVersion?: string;
  /** Output tokens reserved when the params name no maximum. Default 1024. */
  maxTokens?: number;
  /** Estimates the input tokens of a call that names no `tokens`. Default: `defaultEstimator` (as iModel's). */
  estimator?: TokenEstimator;
  /** Extra strings scrubbed from errors and events (the key always is). */
  secrets?: readonly string[];
  /** The real fetch under the transport. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock of the transport's deadlines. Default: the executor's. */
  clock?: Clock;
  /** Environment read for the key when `apiKey` is undefined. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Loads the SDK module. Default: `import()` of the SDK package (`openai`, `@anthropic-ai/sdk`,
   * `@google/genai`). For bundlers that need a static import, or tests.
   */
  importSdk?: () => Promise<unknown>;
  /**
   * Prices, budgets and the usage log of the adapter's `call()`s (docs/llm/costs.md), for the model
   * each call's params name. Calls made on the raw `client()` are not metered.
   */
  costs?: CostTracker;
}

/** Per-call options of `SdkAdapter.call()`. @publicApi */
export interface SdkCallOptions {
  /** API-token reservation of the call. Default: estimated from the params (docs/llm/adapters.md). */
  tokens?: number;
  /** Executor lane. Default: the executor's default lane. */
  lane?: string;
  /** Aborting it cancels the call (queued, waiting, calling, or streaming). */
  signal?: AbortSignal;
  /** Kept on the executor event(s) of the call; never sent. */
  metadata?: Record<string, unknown>;
  /** The budgets' `key` scope value (with `costs`). Never sent. */
  budgetKey?: string;
}

/** What an adapter gives its SDK's client constructor (see each adapter). @internal */
export interface SdkClientSettings {
  apiKey: string;
  /** Undefined: the client options' own base URL, else the SDK's default. */
  baseUrl: string | undefined;
  /** `ModelTransport.asFetch()`. */
  fetch: typeof fetch;
  timeoutMs: number;
  apiVersion: string | undefined;
  /** `SdkAdapterOptions.clientOptions` (default `{}`), spread under the adapter's own settings. */
  clientOptions: Readonly<Record<string, unknown>>;
}

/** The SDK timeout the adapters set: the largest timer delay, so only the transport's per-attempt limit applies. @internal */
export const SDK_TIMEOUT_MS = 2_147_483_647;

/** Defaults of the optional {@link SdkAdapterOptions}. @publicApi */
export const SDK_ADAPTER_DEFAULTS = Object.freeze({ timeoutMs: 600_000, maxTokens: 1024 });
