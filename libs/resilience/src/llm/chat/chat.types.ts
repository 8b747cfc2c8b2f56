import type { NormalizedHeaders } from '../../http/headers/headers.js';
import type { CallCost } from '../cost/price.types.js';

/** The providers iModel speaks to. `openai` also covers any OpenAI-compatible base URL. @publicApi */
export type ProviderName = 'openai' | 'anthropic' | 'gemini';

/** One message of a conversation, provider-neutral. The system prompt goes in `ChatRequest.system`. @publicApi */
export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

/**
 * A provider-neutral chat request (see docs/llm/imodel.md).
 * @publicApi
 */
export interface ChatRequest {
  /** The conversation; a `system` message is moved to `system` for providers that take it apart. */
  messages: readonly ChatMessage[];
  /** System prompt (OpenAI: a first `system` message; Anthropic: `system`; Gemini: `systemInstruction`). */
  system?: string;
  /** Most output tokens (OpenAI `max_completion_tokens`... see the provider's mapping). Default: the model's `maxTokens`. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** Stop sequences. */
  stop?: readonly string[];
  /** Executor lane of the call. Default: the executor's default lane. */
  lane?: string;
  /** Aborting it cancels the call (queued, waiting or calling; a stream closes its connection). */
  signal?: AbortSignal;
  /** Kept on the executor event and in the result; never sent to the provider. */
  metadata?: Record<string, unknown>;
  /** The `key` scope of the budgets (e.g. a tenant id) and the usage record's `scope`. Never sent to the provider. */
  budgetKey?: string;
  /** Provider-specific body fields merged last into the request body (e.g. `{ seed: 7 }`). */
  extra?: Record<string, unknown>;
}

/**
 * Token usage, normalised across providers. Convention: `inputTokens` counts every prompt token
 * **including** cached ones (cache reads and writes), so `inputTokens - cacheReadTokens -
 * cacheWriteTokens` is the uncached part; `outputTokens` includes `reasoningTokens`.
 * OpenAI and Gemini report prompt counts that include cached tokens (used as is); Anthropic's
 * `input_tokens` excludes them, so its cache read and creation tokens are added.
 * @publicApi
 */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** `inputTokens + outputTokens`. */
  totalTokens: number;
}

/** Why generation stopped, provider-neutral. @publicApi */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'error' | 'other';

/** What a provider's response says, before iModel adds timing and routing. @publicApi */
export interface ParsedChatResponse {
  text: string;
  /** Undefined when the provider reported none (then the reservation is kept as charged). */
  usage: LlmUsage | undefined;
  finishReason: FinishReason;
  /** The provider's own finish value (`stop`, `end_turn`, `STOP`, ...). */
  rawFinishReason?: string;
  /** The model that answered, as the provider names it. */
  model?: string;
  /** The provider's request id (`x-request-id`, `request-id`, or the body's id). */
  requestId?: string;
}

/** The result of `iModel.chat()` and of a finished stream. @publicApi */
export interface ChatResult extends ParsedChatResponse {
  usage: LlmUsage | undefined;
  /** Wall time of the call, from submission to the last byte, ms (the executor's clock). */
  latencyMs: number;
  /** The iModel (registry name) that answered: the primary or a fallback. */
  modelName: string;
  model: string;
  provider: ProviderName;
  /** iModel names tried before this one answered (empty without fallback). */
  fallbackFrom: string[];
  /** Token estimate reserved before the call (input estimate + max tokens). */
  estimatedTokens: number;
  /** The executor event's id. */
  eventId: string;
  /** Parsed response body (a stream: undefined). */
  raw: unknown;
  /** Response headers, lower-cased, without credentials. */
  headers: NormalizedHeaders;
  metadata?: Record<string, unknown>;
  /** The call's cost with a `CostTracker` (`null`: the model has no price; undefined: no tracker). */
  cost?: CallCost | null;
}

/** One step of a stream: a text delta. @publicApi */
export interface ChatStreamDelta {
  text: string;
}
