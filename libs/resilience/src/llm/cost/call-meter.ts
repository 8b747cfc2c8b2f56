import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { RequestStatus } from '../../executor/request-status.js';
import { isApiClientError } from '../../http/errors/api-client.error.js';
import type { NormalizedHeaders } from '../../http/headers/headers.js';
import type { BudgetCall, BudgetHold } from '../budget/budget-guard.js';
import type { LlmUsage, ParsedChatResponse, ProviderName } from '../chat/chat.types.js';
import type { LlmProvider } from '../providers/provider.js';
import type { CallObserver } from '../transport/transport.options.js';
import type { UsageRecord, UsageStatus } from '../usage/usage.types.js';
import { costOfUsage, estimatedCost } from './call-cost.js';
import type { CallCost, ModelPrice } from './price.types.js';

/** What a meter runs on: the tracker's parts, as {@link CostTracker} hands them out. @internal */
export interface MeterHost {
  readonly budgets:
    | {
        applies(call: BudgetCall): boolean;
        reserve(call: BudgetCall, amountNano: number): Promise<BudgetHold | undefined>;
      }
    | undefined;
  /** Settles a hold (tracked until done). */
  settle(hold: BudgetHold, actualNano: number): void;
  /** Records a usage line (undefined: no usage log). */
  readonly record: ((r: UsageRecord) => void) | undefined;
  /** True: the prompt and completion text go in the usage record. */
  readonly includeText: boolean;
  now(): number;
}

/** What one model tells its meters (kept by reference: nothing copied per call). @internal */
export interface MeteredModel {
  readonly modelName: string;
  readonly model: string;
  readonly provider: ProviderName;
  readonly llm: LlmProvider;
  /** The model's price (undefined: unpriced; then no budget may apply, checked at create). */
  readonly price: ModelPrice | undefined;
  readonly secrets: readonly string[];
}

/** The cost of a call the provider surely did not bill. */
const NO_COST: CallCost = Object.freeze({
  usd: 0,
  nanoUsd: 0,
  inputUsd: 0,
  cacheReadUsd: 0,
  cacheWriteUsd: 0,
  outputUsd: 0,
  reasoningUsd: 0,
  estimated: false,
});

/** The worst case of a call's cost, nano-USD, rounded up (see docs/llm/budgets.md). */
export type WorstCase = (inputTokens: number, maxTokens: number, price: ModelPrice) => number;

/**
 * One call's cost meter: the dispatch gate of its executor event (reserves the worst case in the
 * budgets that apply when the event takes its slot; a refusal fails the event before any attempt)
 * and the observer of its replies (usage, request id). At the terminal state it settles the
 * reservation to the actual cost and writes the usage line. Settlement rules (docs/llm/budgets.md):
 * reported usage → its cost; an error the provider answered, or no attempt made → 0; an outcome
 * that may have been billed without usage (timeout, connection lost after sending, stream
 * interrupted, cancelled while calling, no usage reported) → the reserved worst case, `estimated`.
 * @internal
 */
export class CallMeter implements CallObserver {
  usage: LlmUsage | undefined = undefined;
  /** The parsed 2xx reply (JSON: parsed lazily from `#data`; a stream: its end). */
  #parsed: ParsedChatResponse | undefined = undefined;
  #data: unknown = undefined;
  #headers: NormalizedHeaders | undefined = undefined;
  #hold: BudgetHold | undefined = undefined;
  #worstNano = 0;
  /** Set at close: the call's cost (undefined before; null for an unpriced model). */
  cost: CallCost | null | undefined = undefined;

  constructor(
    readonly host: MeterHost,
    readonly m: MeteredModel,
    readonly worstCase: WorstCase,
    readonly inputTokens: number,
    readonly maxTokens: number,
    readonly budgetKey: string | undefined,
    readonly startedAt: number,
    /** The prompt text for the usage log (only built with `includeText`). */
    readonly prompt: string | undefined,
  ) {}

  /** The parsed reply (a JSON reply is parsed once, here, and reused by the caller). */
  get parsed(): ParsedChatResponse | undefined {
    if (this.#parsed === undefined && this.#data !== undefined)
      this.#parsed = this.m.llm.parseResponse(this.#data, this.#headers ?? {});
    return this.#parsed;
  }

  open(): Promise<void> | undefined {
    const b = this.host.budgets;
    const price = this.m.price;
    if (b === undefined || price === undefined) return undefined;
    const call: BudgetCall = { model: this.m.model, provider: this.m.provider, key: this.budgetKey };
    if (!b.applies(call)) return undefined;
    const amount = this.worstCase(this.inputTokens, this.maxTokens, price);
    return b.reserve(call, amount).then((hold) => {
      this.#hold = hold;
      this.#worstNano = amount;
    });
  }

  reply(data: unknown, headers: NormalizedHeaders, usage: LlmUsage | undefined): void {
    this.#data = data;
    this.#headers = headers;
    this.#parsed = undefined;
    this.usage = usage;
  }

  streamEnd(result: ParsedChatResponse, headers: NormalizedHeaders): void {
    this.#parsed = result;
    this.#headers = headers;
    this.usage = result.usage;
  }

  close(ev: NetworkRequestEvent, opened: boolean): void {
    const status = usageStatus(ev, opened);
    const cost = this.#settleCost(ev, status);
    this.cost = cost;
    if (this.#hold !== undefined) {
      this.host.settle(this.#hold, cost === null ? this.#worstNano : cost.nanoUsd);
      this.#hold = undefined;
    }
    const record = this.host.record;
    if (record !== undefined) record(this.#record(ev, status, cost));
  }

  /** The cost the call settles to (see the class comment). */
  #settleCost(ev: NetworkRequestEvent, status: UsageStatus): CallCost | null {
    const price = this.m.price;
    if (price === undefined) return null;
    if (status === 'completed' && this.usage !== undefined) return costOfUsage(this.usage, price);
    if (status === 'refused' || !mayHaveBeenBilled(ev, status)) return NO_COST;
    return estimatedCost(this.#worstNano || this.worstCase(this.inputTokens, this.maxTokens, price));
  }

  #record(ev: NetworkRequestEvent, status: UsageStatus, cost: CallCost | null): UsageRecord {
    const now = this.host.now();
    const u = this.usage;
    const r: UsageRecord = {
      time: new Date(now).toISOString(),
      modelName: this.m.modelName,
      model: this.m.model,
      provider: this.m.provider,
      lane: ev.lane,
      status,
      usageReported: u !== undefined,
      inputTokens: u?.inputTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      cacheReadTokens: u?.cacheReadTokens ?? 0,
      cacheWriteTokens: u?.cacheWriteTokens ?? 0,
      reasoningTokens: u?.reasoningTokens ?? 0,
      totalTokens: u?.totalTokens ?? 0,
      costUsd: cost === null ? null : cost.usd,
      costEstimated: cost !== null && cost.estimated,
      latencyMs: now - this.startedAt,
      eventId: ev.id,
    };
    if (status !== 'completed' && ev.errorType !== undefined) r.errorType = ev.errorType;
    const parsed = status === 'completed' ? this.parsed : undefined;
    if (parsed?.requestId !== undefined) r.requestId = parsed.requestId;
    if (this.budgetKey !== undefined) r.scope = this.budgetKey;
    if (ev.metadata !== undefined) r.metadata = ev.metadata;
    if (this.host.includeText) {
      if (this.prompt !== undefined) r.prompt = this.prompt;
      if (parsed !== undefined) r.completion = parsed.text;
    }
    return r;
  }
}

/** How the event ended, for the usage log: a refusal at dispatch (the gate's open threw) is `refused`. */
function usageStatus(ev: NetworkRequestEvent, opened: boolean): UsageStatus {
  if (ev.status === RequestStatus.COMPLETED) return 'completed';
  if (ev.status === RequestStatus.CANCELLED) return 'cancelled';
  return !opened && ev.processingStartedAt !== undefined && ev.attempts === 0 ? 'refused' : 'failed';
}

/**
 * False when the provider surely did not bill the call: no attempt reached it, or its last answer
 * was an HTTP error (the provider answered and refused).
 */
function mayHaveBeenBilled(ev: NetworkRequestEvent, status: UsageStatus): boolean {
  if (ev.callStartedAt === undefined || ev.attempts === 0) return false;
  if (status === 'completed') return true; // completed without usage
  const e = ev.error;
  if (isApiClientError(e) && typeof e.status === 'number' && e.status >= 400) return false;
  return true;
}
