import type { Clock } from '../../core/clock.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { safeHeaders } from '../../http/headers/headers.js';
import type { ChatRequest, ChatResult } from '../chat/chat.types.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import type { LlmProvider, ProviderConfig } from '../providers/provider.js';
import type { ModelTransport } from '../transport/model-transport.js';
import type { JsonReply, ModelStream } from '../transport/transport.options.js';
import type { CallMeter, MeteredModel } from '../cost/call-meter.js';
import type { CostTracker } from '../cost/cost-tracker.js';
import { chatEstimate, chatResult, payloadMaxTokens, rawEstimate } from './chat-result.js';
import type { StartedStream } from './chat-stream.js';

/** Per-call options of a raw call (`invoke`). @internal */
export interface RawCallOptions {
  tokens?: number;
  lane?: string;
  signal?: AbortSignal;
  metadata?: Record<string, unknown>;
  budgetKey?: string;
}

/** A sent JSON call: its event and its reply. @internal */
export interface SentCall {
  event: NetworkRequestEvent<JsonReply>;
  reply: Promise<JsonReply>;
}

/**
 * The calls of one model on its transport (no fallback here): the request through the
 * provider's mapping, the reservation from the estimator, the result with timing and routing.
 * Holds everything by reference: nothing is copied per call (but a request that lacks the
 * model's default temperature).
 * @internal
 */
export class ModelCaller {
  constructor(
    readonly modelName: string,
    readonly provider: LlmProvider,
    readonly config: ProviderConfig,
    readonly transport: ModelTransport,
    readonly estimator: TokenEstimator,
    readonly clock: Clock,
    readonly temperature: number | undefined,
    readonly secrets: readonly string[],
    /** The cost tracker and this model's metering data (both or neither). */
    readonly costs: CostTracker | undefined,
    readonly metered: MeteredModel | undefined,
  ) {}

  /** One chat call. */
  async chat(request: ChatRequest, fallbackFrom: string[]): Promise<ChatResult> {
    const startedAt = this.clock.now();
    const req = this.withDefaults(request);
    const estimatedTokens = this.estimate(req);
    const meter = this.meter(req, estimatedTokens);
    const { event, reply } = this.sendChat(req, estimatedTokens, meter);
    const r = await reply;
    const result = chatResult(meter?.parsed ?? this.provider.parseResponse(r.data, r.headers), {
      modelName: this.modelName,
      model: this.config.model,
      provider: this.provider.name,
      fallbackFrom,
      estimatedTokens,
      eventId: event.id,
      latencyMs: this.clock.now() - startedAt,
      headers: r.headers,
      raw: r.data,
      metadata: req.metadata,
    });
    if (meter !== undefined) result.cost = meter.cost;
    return result;
  }

  /** Opens one streaming chat call. */
  openStream(request: ChatRequest, fallbackFrom: string[]): StartedStream {
    const startedAt = this.clock.now();
    const req = this.withDefaults(request);
    const estimatedTokens = this.estimate(req);
    const meter = this.meter(req, estimatedTokens);
    const pr = this.provider.chatRequest(req, this.config, true);
    const stream = this.transport.openStream(this.config.baseUrl + pr.path, pr.headers, JSON.stringify(pr.body), {
      tokens: estimatedTokens,
      lane: req.lane,
      signal: req.signal,
      metadata: req.metadata,
      observer: meter,
    });
    return {
      stream,
      finish: (end) => {
        const result = chatResult(end, {
          modelName: this.modelName,
          model: this.config.model,
          provider: this.provider.name,
          fallbackFrom,
          estimatedTokens,
          eventId: stream.event.id,
          latencyMs: this.clock.now() - startedAt,
          headers: safeHeaders(end.headers, this.secrets),
          raw: undefined,
          metadata: req.metadata,
        });
        if (meter !== undefined) result.cost = meter.cost;
        return result;
      },
    };
  }

  /** Sends a chat request (already with defaults) reserving `tokens`, metered by `meter`. */
  sendChat(req: ChatRequest, tokens: number, meter: CallMeter | undefined): SentCall {
    const pr = this.provider.chatRequest(req, this.config, false);
    return this.transport.sendJson(this.config.baseUrl + pr.path, pr.headers, JSON.stringify(pr.body), {
      tokens,
      lane: req.lane,
      signal: req.signal,
      metadata: req.metadata,
      observer: meter,
    });
  }

  /** The meter of a chat call reserving `tokens` (undefined without a cost tracker). */
  meter(req: ChatRequest, tokens: number): CallMeter | undefined {
    const c = this.costs;
    if (c === undefined) return undefined;
    const maxOut = req.maxTokens ?? this.config.maxTokens;
    return c._meter(this.metered!, req.budgetKey, Math.max(0, tokens - maxOut), maxOut, () => promptText(req));
  }

  /** A raw payload through `provider.rawRequest`: the JSON call, or the stream. */
  raw(payload: Record<string, unknown>, options: RawCallOptions, stream: boolean): SentCall | ModelStream {
    const pr = this.provider.rawRequest(payload, this.config, stream);
    const body = JSON.stringify(pr.body);
    const tokens = options.tokens ?? rawEstimate(body, payload, this.config.maxTokens);
    let observer: CallMeter | undefined;
    if (this.costs !== undefined) {
      const maxOut = payloadMaxTokens(payload) ?? this.config.maxTokens;
      const text = (): string => body;
      observer = this.costs._meter(this.metered!, options.budgetKey, Math.max(0, tokens - maxOut), maxOut, text);
    }
    const call = { tokens, lane: options.lane, signal: options.signal, metadata: options.metadata, observer };
    const url = this.config.baseUrl + pr.path;
    return stream
      ? this.transport.openStream(url, pr.headers, body, call)
      : this.transport.sendJson(url, pr.headers, body, call);
  }

  /** The reservation of a request: input estimate + max output tokens. */
  estimate(req: ChatRequest): number {
    return chatEstimate(
      this.estimator.estimateInput(req, this.config.model, this.provider.name),
      req,
      this.config.maxTokens,
    );
  }

  /** The model's default temperature on a request that names none. */
  withDefaults(request: ChatRequest): ChatRequest {
    const t = this.temperature;
    return t === undefined || request.temperature !== undefined ? request : { ...request, temperature: t };
  }
}

/** The prompt as text (system, then each message on its own line), for a usage log that keeps text. */
function promptText(req: ChatRequest): string {
  const parts = req.system !== undefined ? [req.system] : [];
  for (const m of req.messages) parts.push(m.content);
  return parts.join('\n');
}
