import type { Clock } from '../../core/clock.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import type { NormalizedHeaders } from '../../http/headers/headers.js';
import type { DispatchGate } from '../../executor/executor.options.js';
import type { LlmUsage, ParsedChatResponse } from '../chat/chat.types.js';
import type { LlmProvider } from '../providers/provider.js';

/** Options of a {@link ModelTransport} (one per model / provider connection). @publicApi */
export interface ModelTransportOptions {
  /** The wire format: `errorFor`, `usageOf`, `createStreamParser`, `idempotent`. */
  provider: LlmProvider;
  /** The API key and any other secret: scrubbed from every error, event and URL. */
  secrets: readonly string[];
  /**
   * Per attempt, ms: to the last byte of a JSON reply; between two chunks of a stream (and to
   * its first byte). A finite number > 0.
   */
  timeoutMs: number;
  /**
   * A fetch that carries every call (streaming or not). Default: non-streaming calls over the
   * transport's own `node:http` / `node:https` client, streams over `globalThis.fetch` (read at each call).
   */
  fetch?: typeof fetch;
  /** Clock of the deadline timer. Default: the executor's clock. */
  clock?: Clock;
  /** Text deltas a stream reader may run ahead of its consumer before it waits. Default 64. */
  streamBuffer?: number;
}

/**
 * Told what one call's 2xx replies say, and the gate of its executor event (the llm layer's cost
 * meter: budgets reserved at dispatch, settled at the end). One observer per call.
 * @publicApi
 */
export interface CallObserver extends DispatchGate {
  /** A 2xx JSON reply: the parsed body, the scrubbed headers, the provider's usage (undefined: none reported). */
  reply(data: unknown, headers: NormalizedHeaders, usage: LlmUsage | undefined): void;
  /** The end of a 2xx stream: the parser's result (text, usage, request id) and the scrubbed headers. */
  streamEnd(result: ParsedChatResponse, headers: NormalizedHeaders): void;
}

/** Per-call options of a transport call (or, through {@link runWithCallOptions}, of an SDK call). @publicApi */
export interface ModelCallOptions {
  /** API-token reservation: input estimate + max output tokens. */
  tokens: number;
  /** Executor lane. Default: the executor's default lane. */
  lane?: string;
  /** Aborting it cancels the call (a stream closes its connection). */
  signal?: AbortSignal;
  /** Kept on the executor event. */
  metadata?: Record<string, unknown>;
  /** Observes the call's replies and gates its dispatch (see {@link CallObserver}). */
  observer?: CallObserver;
}

/**
 * A 2xx JSON reply, shaped like an `ApiResponse` (`{ status, headers, data }`) so the executor
 * records it and feeds its `adaptive` limiter from the headers.
 * @publicApi
 */
export interface JsonReply {
  status: number;
  /** Lower-cased response headers. */
  headers: NormalizedHeaders;
  /** The parsed JSON body. */
  data: unknown;
}

/** The end of a stream: the provider parser's result plus the response headers. @publicApi */
export type StreamResult = ParsedChatResponse & { headers: NormalizedHeaders };

/**
 * One streaming call: iterate it for the text deltas (in order). Breaking out of the loop
 * cancels the call and closes the connection.
 * @publicApi
 */
export interface ModelStream extends AsyncIterable<string> {
  /** The executor event of the call. */
  readonly event: NetworkRequestEvent<unknown>;
  /**
   * Resolves when the stream ended: text, usage, finish reason, response headers. Rejects with
   * the typed error (`StreamInterruptedError` after the first delta).
   */
  result(): Promise<StreamResult>;
  /**
   * Resolves when the first text delta arrived (or the stream ended without one); rejects with
   * the typed error when the call failed before any delta (fallbacks can then take over).
   */
  started(): Promise<void>;
  /** Cancels the call: aborts the request (the connection closes); iteration and `result()` reject. */
  cancel(reason?: string): void;
}
