import type { Clock } from '../../core/clock.js';
import type { ExecutorTaskContext } from '../../executor/executor.options.js';
import type { CallAbortHook } from '../../executor/network-request-event.js';
import { RequestStatus } from '../../executor/request-status.js';
import { isApiClientError, type ApiClientError } from '../../http/errors/api-client.error.js';
import { errorFromTransport } from '../../http/errors/error-from-transport.js';
import { normalizeHeaders, type HeaderInput } from '../../http/headers/headers.js';
import type { LlmProvider } from '../providers/provider.js';
import type { DeadlineEntry, DeadlineList } from './deadline-list.js';
import type { NativeHold, NativeHttp, NativeReply } from './native-http.js';

/** What every attempt of one transport shares. @internal */
export interface TransportCore {
  readonly provider: LlmProvider;
  readonly secrets: readonly string[];
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly deadlines: DeadlineList;
  readonly streamBuffer: number;
  /** The injected fetch, else `globalThis.fetch` at the time of the call. */
  readonly fetch: typeof fetch | undefined;
  /** The client of non-streaming calls when no fetch was injected (`node:http` / `node:https`). */
  readonly native: NativeHttp | undefined;
  /** `redactUrl(url, secrets)`, cached per URL (`urlRedactor`). */
  readonly redactUrl: (url: string) => string;
}

const TIMEOUT_CAUSE = { name: 'TimeoutError', message: 'no data within the timeout' };

/**
 * One attempt: one real exchange (a `fetch`, or a {@link NativeHttp} request), aborted by the
 * cancellation of the event (cancel closes the connection) or by the transport's deadline list
 * (a timeout). A fetch gets one `AbortController` per attempt, a native request none (it is
 * destroyed): the event's cancel reaches either through the event's abort hook, which the
 * attempt holds while it runs (the task never reads `ctx.signal`, so the executor creates no
 * second controller to chain, and the event no listener). The attempt object is its own
 * deadline node (no timer per attempt).
 * @internal
 */
export class Attempt implements DeadlineEntry, NativeHold, CallAbortHook {
  _deadline = 0;
  _prevD: DeadlineEntry | undefined = undefined;
  _nextD: DeadlineEntry | undefined = undefined;
  _listed = false;
  timedOut = false;
  request: NativeHold['request'] = undefined;
  abortedBy: unknown = undefined;
  #controller: AbortController | undefined = undefined;

  constructor(
    readonly core: TransportCore,
    readonly ctx: ExecutorTaskContext,
    readonly method: string,
    readonly url: string,
    readonly idempotent: boolean,
  ) {}

  /** The deadline passed: abort the fetch (the error is mapped by {@link Attempt.mapError}). */
  expire(): void {
    this.timedOut = true;
    this.#abort(TIMEOUT_CAUSE);
  }

  /** The fetch's signal (its controller created on first read). */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.abortedBy !== undefined && !this.#controller.signal.aborted) this.#controller.abort(this.abortedBy);
    return this.#controller.signal;
  }

  #abort(reason: unknown): void {
    if (this.abortedBy !== undefined) return;
    this.abortedBy = reason ?? new Error('aborted');
    this.#controller?.abort(this.abortedBy);
    const r = this.request;
    if (r !== undefined) {
      this.request = undefined;
      r.destroy(this.abortedBy instanceof Error ? this.abortedBy : undefined);
    }
  }

  /** The event was cancelled: abort the exchange. @internal */
  _abortCall(reason: unknown): void {
    this.#abort(reason);
  }

  /** Starts the deadline and follows the event's cancellation (one attempt of an event runs at a time). */
  start(): void {
    const ev = this.ctx.event;
    if (ev.status === RequestStatus.CANCELLED) this.#abort(ev.error);
    else ev._abortHook = this;
    this.core.deadlines.add(this);
  }

  /** Stops the deadline and the cancel hook (the attempt settled). */
  finish(): void {
    this.core.deadlines.remove(this);
    const ev = this.ctx.event;
    if (ev._abortHook === this) ev._abortHook = undefined;
    this.request = undefined;
  }

  /** True once the event was cancelled. */
  get cancelled(): boolean {
    return this.ctx.event.status === RequestStatus.CANCELLED;
  }

  /** Why the event was cancelled (its `RequestCancelledError`). */
  get cancelReason(): unknown {
    return this.ctx.event.error;
  }

  /** The fetch of this attempt. */
  send(init: RequestInit): Promise<Response> {
    const f = this.core.fetch ?? globalThis.fetch;
    return f(this.url, { headers: init.headers, body: init.body, method: this.method, signal: this.signal });
  }

  /**
   * The whole exchange of a non-streaming attempt, read to the last byte: over the transport's
   * {@link NativeHttp} when it has one (no fetch injected), else through {@link send}.
   */
  exchange(init: RequestInit): Promise<NativeReply | { status: number; headers: Headers; body: string }> {
    const native = this.core.native;
    // Not an async function: the native promise is handed on as is (no wrapping promise per call).
    if (native !== undefined)
      return native.send(this.url, this.method, init.headers as Record<string, string>, init.body as string, this);
    return this.#fetchExchange(init);
  }

  async #fetchExchange(init: RequestInit): Promise<{ status: number; headers: Headers; body: string }> {
    const res = await this.send(init);
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  /** A non-2xx response as the provider's typed error (reads the body text). */
  async statusError(res: Response): Promise<ApiClientError> {
    return this.statusErrorOf(res.status, res.headers, await res.text());
  }

  /** A non-2xx answer (status, headers as received, body text) as the provider's typed error. */
  statusErrorOf(status: number, headers: HeaderInput, body: string): ApiClientError {
    const c = this.core;
    return c.provider.errorFor({
      status,
      headers: normalizeHeaders(headers),
      body,
      method: this.method,
      url: this.url,
      secrets: c.secrets,
      now: c.clock.now(),
      idempotent: this.idempotent,
    });
  }

  /**
   * What a failure of this attempt is: the cancel reason when the event was cancelled, an
   * `UpstreamTimeoutError` when the deadline fired, a typed error as is, else
   * `errorFromTransport` (a refused connection is transient even for a POST; a reset is not).
   */
  mapError(error: unknown): unknown {
    if (this.cancelled) return this.cancelReason;
    const c = this.core;
    const ctx = { method: this.method, url: this.url, secrets: c.secrets, idempotent: this.idempotent };
    if (this.timedOut) return errorFromTransport(TIMEOUT_CAUSE, { ...ctx, timeoutMs: c.timeoutMs });
    if (isApiClientError(error)) return error;
    return errorFromTransport(error, ctx);
  }
}
