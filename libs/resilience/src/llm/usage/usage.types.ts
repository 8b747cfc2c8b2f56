import type { ProviderName } from '../chat/chat.types.js';

/** How a call ended, in the usage log. `refused`: a budget refused it (it never reached the provider). @publicApi */
export type UsageStatus = 'completed' | 'failed' | 'cancelled' | 'refused';

/**
 * One line of the usage log: one call (see docs/llm/usage-log.md). Never holds a key; holds the
 * prompt and completion text only with `includeText: true`.
 * @publicApi
 */
export interface UsageRecord {
  /** When the call ended, ISO 8601 (UTC). */
  time: string;
  /** The iModel (registry name) that made the call. */
  modelName: string;
  /** Provider model id. */
  model: string;
  provider: ProviderName;
  lane: string;
  status: UsageStatus;
  /** The error's class name, for a call that did not complete. */
  errorType?: string;
  /** False when the provider reported no usage (the token counts are then 0 and the cost is the worst case). */
  usageReported: boolean;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** USD; `null` for a model without a price. */
  costUsd: number | null;
  /** True when `costUsd` is the reserved worst case (no usage reported, or an outcome that may have been billed). */
  costEstimated: boolean;
  /** From submission to the end, ms. */
  latencyMs: number;
  /** The provider's request id, when it sent one. */
  requestId?: string;
  /** The executor event's id. */
  eventId: string;
  /** `ChatRequest.budgetKey` (the `key` scope), when given. */
  scope?: string;
  /** The call's metadata (string values scrubbed of key-shaped strings). */
  metadata?: Record<string, unknown>;
  /** The prompt (system + messages), only with `includeText: true`. */
  prompt?: string;
  /** The completion text, only with `includeText: true`. */
  completion?: string;
}

/**
 * Where usage records go besides (or instead of) the file sink. `write` receives batches in
 * order; a rejection or throw is reported once and the batch is counted as not written (never
 * retried, never blocking a call).
 * @publicApi
 */
export interface UsageSink {
  /** A name for messages (e.g. `bigquery`). */
  readonly name: string;
  write(records: readonly UsageRecord[]): void | Promise<void>;
  /** Called once by `UsageLog.close()`. */
  close?(): void | Promise<void>;
}

/** Token totals of a set of calls. @publicApi */
export interface UsageTotals {
  calls: number;
  /** Calls that did not complete (failed, cancelled, refused). */
  failed: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  /** USD of the priced calls (summed in nano-USD, exact). */
  costUsd: number;
  /** Calls with `costUsd: null` (a model without a price). */
  unpricedCalls: number;
}

/** `getDailySummary()` / `summarize()`: totals and the same per model, provider and scope. @publicApi */
export interface UsageSummary extends UsageTotals {
  /** First day included, `YYYY-MM-DD` in the log's time zone. */
  from: string;
  /** Last day included. */
  to: string;
  byModel: Record<string, UsageTotals>;
  byProvider: Record<string, UsageTotals>;
  /** Per `budgetKey`; calls without one under `(none)`. */
  byScope: Record<string, UsageTotals>;
}
