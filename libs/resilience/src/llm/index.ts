/**
 * The llm layer: `IModel` (one resilient chat API over OpenAI, Anthropic and Gemini, every call an
 * executor event), the providers' wire formats, streaming, SDK adapters, token estimates and
 * model fallbacks (framework-free), plus the Nest leaf from `./nest/` (`ResilienceLlmModule`,
 * `@InjectIModel`). See docs/llm/README.md.
 * @module nest-resilience/llm
 */

// Shared types.
export type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ChatStreamDelta,
  FinishReason,
  LlmUsage,
  ParsedChatResponse,
  ProviderName,
} from './chat/chat.types.js';
export type { LlmProvider, ProviderConfig, ProviderRequest, SseEvent, StreamParser } from './providers/provider.js';
export type { TokenEstimator } from './estimate/token-estimator.js';
export type { IModelBaseDeps, IModelOptions } from './imodel/imodel.options.js';

// H1: OpenAI provider.
export { openAIProvider } from './providers/openai/openai.provider.js';
export { openAIFinishReason, openAIUsage } from './providers/openai/openai-usage.js';

// H2: Anthropic provider.
export { anthropicProvider } from './providers/anthropic/anthropic.provider.js';

// H3: Gemini provider and providerFor.
export { geminiProvider } from './providers/gemini/gemini.provider.js';
export { geminiUsage, geminiUsageOf, type GeminiUsageMetadata } from './providers/gemini/gemini-usage.js';
export { PROVIDER_NAMES, providerFor } from './providers/providers.js';

// H4: transport and streaming.
export { ModelTransport } from './transport/model-transport.js';
export type {
  JsonReply,
  ModelCallOptions,
  ModelStream,
  ModelTransportOptions,
  StreamResult,
} from './transport/transport.options.js';
export { lastCallError, runWithCallOptions } from './transport/call-context.js';
export { parseSse, SseDecoder } from './transport/sse-parser.js';
export { isStreamInterruptedError, StreamInterruptedError } from './transport/stream-interrupted.error.js';

// H5: IModel, fallbacks, registry, errors.
export {
  IModel,
  type AcompletionOptions,
  type IModelDeps,
  type IModelInfo,
  type InvokeOptions,
} from './imodel/imodel.js';
export { IMODEL_DEFAULTS, normalizeIModelOptions } from './imodel/imodel.normalize.js';
export type { ChatStream } from './imodel/chat-stream.js';
export { ModelRegistry, type NamedModel } from './imodel/imodel-registry.js';
export { triggersFallback, type ModelFallbackEvent } from './imodel/fallback.js';
export {
  isModelFallbackExhaustedError,
  ModelFallbackExhaustedError,
  type ModelAttemptFailure,
} from './errors/model-fallback-exhausted.error.js';
export { isModelNotFoundError, ModelNotFoundError } from './errors/model-not-found.error.js';

// H6: token estimation.
export {
  createDefaultEstimator,
  DEFAULT_ESTIMATOR_DEFAULTS,
  defaultEstimator,
  MARGIN_CHARS_PER_TOKEN,
} from './estimate/default-estimator.js';
export type {
  DefaultEstimatorOptions,
  DefaultTokenEstimator,
  EstimateMethod,
  EstimatorLogger,
} from './estimate/default-estimator.js';
export { encodingForModel, OPENAI_CHAT_FRAMING } from './estimate/openai-tokens.js';
export type { OpenAIEncodingName } from './estimate/openai-tokens.js';
export { heuristicTokens } from './estimate/heuristic-tokens.js';

// H7: SDK adapters.
export { SdkAdapter } from './sdk/sdk-adapter.js';
export { SDK_ADAPTER_DEFAULTS, type SdkAdapterOptions, type SdkCallOptions } from './sdk/sdk-adapter.options.js';
export { OpenAIAdapter } from './sdk/openai.adapter.js';
export { AnthropicAdapter } from './sdk/anthropic.adapter.js';
export { GeminiAdapter } from './sdk/gemini.adapter.js';
export {
  createSdkAdapter,
  type SdkAdapterByProvider,
  type SdkClientOptionsByProvider,
} from './sdk/create-sdk-adapter.js';
export {
  isSdkAdapterClosedError,
  isSdkCallError,
  isSdkNotInstalledError,
  SdkAdapterClosedError,
  SdkCallError,
  SdkNotInstalledError,
} from './sdk/sdk-errors.js';

// H8: the Nest leaf (ResilienceLlmModule, @InjectIModel).
export * from './nest/index.js';

// Issue 12: shared types of cost, budgets and the usage log.
export { NANO_USD_PER_USD, type CallCost, type CostLogger, type ModelPrice } from './cost/price.types.js';
export { BUDGET_SCOPES, type BudgetOptions, type BudgetScope, type BudgetWindow } from './budget/budget.options.js';
export type { UsageRecord, UsageSink, UsageStatus, UsageSummary, UsageTotals } from './usage/usage.types.js';

// C1: pricing (llm/cost).
export { BUILT_IN_PRICES } from './cost/built-in-prices.js';
export { costOfUsage, estimatedCost, worstCaseNanoUsd } from './cost/call-cost.js';
export { PriceTable, type PriceTableOptions } from './cost/price-table.js';

// C2: budgets (llm/budget).
export { BudgetGuard, DEFAULT_BUDGET_HOLD_MS } from './budget/budget-guard.js';
export type {
  BudgetCall,
  BudgetGuardDeps,
  BudgetHold,
  BudgetSettlementStats,
  BudgetStatus,
  BudgetWarningEvent,
} from './budget/budget-guard.types.js';
export {
  BudgetExceededError,
  isBudgetExceededError,
  type BudgetExceededDetails,
} from './errors/budget-exceeded.error.js';

// C3: usage log (llm/usage).
export { UsageLog, type UsageLogOptions, type UsageLogStats } from './usage/usage-log.js';
export { USAGE_LOG_DEFAULTS, normalizeUsageLogOptions } from './usage/usage-log.normalize.js';
export { FileUsageSink, type FileUsageSinkOptions } from './usage/file-usage-sink.js';
export { USAGE_NO_SCOPE, USAGE_OTHER_KEY, USAGE_SUMMARY_MAX_KEYS, UsageAggregate } from './usage/usage-summary.js';

// C4: cost tracker (llm/cost/cost-tracker).
export { CostTracker, type CostTrackerDeps, type CostTrackerOptions } from './cost/cost-tracker.js';
export type { CallObserver } from './transport/transport.options.js';
