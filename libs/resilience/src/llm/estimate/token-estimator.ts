import type { ChatRequest, ProviderName } from '../chat/chat.types.js';

/**
 * Estimates the input tokens of a request before it is sent. The reservation of a call is
 * `estimateInput(request) + maxTokens` (see docs/llm/estimation.md).
 * @publicApi
 */
export interface TokenEstimator {
  /** Input tokens of `request` for `model` of `provider` (system prompt and message framing included). */
  estimateInput(request: ChatRequest, model: string, provider: ProviderName): number;
}
