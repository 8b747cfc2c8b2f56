import type { Disposable } from '../core/events/event-emitter.js';
import { scrubSecrets } from '../http/headers/headers.js';
import type { BulkheadWaiter } from '../core/bulkhead/bulkhead-queue.js';
import { addListener, EventDetail, OPTIONAL_JSON, errorName, responseHeadersOf, safe } from './event-detail.js';
import { appendLog, formatEventLogs, statusLog, straightStep } from './event-log.js';
import { RequestCancelledError } from './errors/request-cancelled.error.js';
import { isTerminalStatus, RequestStatus } from './request-status.js';

/** What `cancel()` tells of the cancel, through {@link NetworkRequestEvent._abortHook}. @internal */
export interface CallAbortHook {
  _abortCall(reason: unknown): void;
}

/** A status change of one event, as `onStatus` listeners receive it. @publicApi */
export interface RequestStatusChange {
  readonly event: NetworkRequestEvent;
  readonly from: RequestStatus;
  readonly to: RequestStatus;
  /** Clock time of the change (epoch ms). */
  readonly at: number;
}

/** What an event needs from its executor. @internal */
export interface EventOwner {
  readonly name: string;
  readonly logLimit: number;
  now(): number;
  /** The event left a non-terminal status for CANCELLED: free what it holds. */
  cancelled(event: NetworkRequestEvent, from: RequestStatus): void;
  /** Every status change (the owner builds a change object only for its listeners). */
  statusChanged(event: NetworkRequestEvent, from: RequestStatus, to: RequestStatus, at: number): void;
}

/**
 * A per-event hook around dispatch (e.g. the llm layer's budgets): `open` runs once when the event
 * takes its slot, before its first attempt waits on a limit or the breaker; `close` once when the
 * event is terminal, on every path (also when `open` never ran: cancelled while queued, refused
 * at submit, stopped). See docs/executor.md, "Dispatch gates".
 * @publicApi
 */
export interface DispatchGate {
  /**
   * The event holds its slot (PROCESSING). A returned promise delays the first attempt; a throw or
   * rejection fails the event with that error: no attempt, no limit taken, nothing told to the
   * breaker or the retry policy. A cancel while it runs ends the event as CANCELLED.
   */
  open(event: NetworkRequestEvent): void | PromiseLike<void>;
  /** The event reached `status` (terminal); `opened`: `open` ran and did not throw. Must not throw (a throw is ignored). */
  close(event: NetworkRequestEvent, opened: boolean): void;
}

type Listener = (change: RequestStatusChange) => void;

/**
 * One task submitted to an `Executor`: awaitable (`result()`), observable (`onStatus`),
 * cancellable (`cancel()`), and a log-safe record of what happened (`toJSON()`).
 *
 * Each timestamp (epoch ms on the executor's clock) is set once, at the first time the event
 * reaches its status; `completedAt` at the terminal one. `responseHeaders` hold no credential
 * or cookie header; `errorMessage` is scrubbed of key-shaped strings. Small by design (no
 * emitter, no promise until `result()` is called, no `AbortController` until the task reads
 * `ctx.signal`, log lines formatted only when `logs` is read): see docs/executor.md.
 * @publicApi
 */
export class NetworkRequestEvent<T = unknown> {
  status: RequestStatus = RequestStatus.PENDING;
  readonly createdAt: number;
  queuedAt: number | undefined = undefined;
  processingStartedAt: number | undefined = undefined;
  callStartedAt: number | undefined = undefined;
  completedAt: number | undefined = undefined;
  updatedAt: number;
  /** Attempts started (0 until the first call). */
  attempts = 0;
  /** @internal Lane index. */
  _laneIndex = 0;
  /** @internal The task, until it starts. */
  _task: unknown = undefined;
  /** @internal The `usage` option, until it starts. */
  _usage: unknown = undefined;
  /** @internal Its place in the bulkhead queue while QUEUED. */
  _waiter: BulkheadWaiter | undefined = undefined;
  /** @internal The submission's dispatch gate (see `DispatchGate`). */
  _gate: DispatchGate | undefined = undefined;
  /** @internal True once the gate's `open` ran without throwing. */
  _gateOpened = false;
  /**
   * @internal Entries of the straight path (QUEUED→PROCESSING, PROCESSING→CALLING, the completed
   * call, CALLING→COMPLETED) logged so far without being stored: each is rebuilt from its
   * timestamp when `logs` is read. -1 once any other entry was logged (then every entry is stored).
   */
  _implicit = 0;
  /** @internal The task's value once COMPLETED. */
  _value: unknown = undefined;
  /** @internal `result()`'s promise and its settle functions, once `result()` was called before the end. */
  _promise: Promise<unknown> | undefined = undefined;
  /** @internal */
  _resolve: ((v: unknown) => void) | undefined = undefined;
  /** @internal */
  _reject: ((e: unknown) => void) | undefined = undefined;
  /** @internal The task's signal, created when first read (`ctx.signal`) or when a wait needs it. */
  _controller: AbortController | undefined = undefined;
  /**
   * @internal The exchange in flight that `cancel()` aborts, for a task that does not read
   * `ctx.signal` (the llm transport's attempt sets itself here while it runs, and clears it):
   * cheaper than a status listener and a signal per call.
   */
  _abortHook: CallAbortHook | undefined = undefined;
  /** @internal Tokens the last settled attempt used, when known. */
  _actualTokens: number | undefined = undefined;
  /** @internal The executor's list of live events. */
  _prev: NetworkRequestEvent | undefined = undefined;
  /** @internal */
  _next: NetworkRequestEvent | undefined = undefined;
  /** Everything a queued event does not need yet (results, errors, listeners, logs, the task's signal). */
  #d: EventDetail<RequestStatusChange> | undefined = undefined;

  /** @internal Created by `Executor.submit`. */
  constructor(
    private readonly owner: EventOwner,
    private readonly seq: number,
    /** Lane name. */
    readonly lane: string,
    /** Estimated API tokens (0: none). */
    readonly tokens: number,
    readonly metadata: Readonly<Record<string, unknown>> | undefined,
    readonly method: string | undefined,
    readonly url: string | undefined,
  ) {
    this.createdAt = this.updatedAt = owner.now();
  }

  /** Status of the response, when the task returned an HTTP response (or failed with one). */
  get responseStatus(): number | undefined {
    return this.#d?.responseStatus;
  }
  /** Lower-cased response headers without credentials or cookies. */
  get responseHeaders(): Readonly<Record<string, string>> | undefined {
    const d = this.#d;
    return d === undefined ? undefined : responseHeadersOf(d);
  }
  get responseBody(): unknown {
    return this.#d?.responseBody;
  }
  /** Name of the error class of a FAILED / CANCELLED event. */
  get errorType(): string | undefined {
    return this.#d?.errorType;
  }
  /** Its message, scrubbed of key-shaped strings. */
  get errorMessage(): string | undefined {
    return this.#d?.errorMessage;
  }
  /** The error itself (not part of `toJSON()`). */
  get error(): unknown {
    return this.#d?.error;
  }
  /** Tokens the last settled attempt used (reported usage), when known. */
  get actualTokens(): number | undefined {
    return this._actualTokens;
  }

  /** @internal The details, created on first write. */
  _detail(): EventDetail<RequestStatusChange> {
    return (this.#d ??= new EventDetail());
  }

  /** @internal The details if already created (never creates them). */
  get _detailIfAny(): EventDetail<RequestStatusChange> | undefined {
    return this.#d;
  }

  /** @internal The task's signal if already created (never creates it). */
  get _signalIfAny(): AbortSignal | undefined {
    return this._controller?.signal;
  }

  /**
   * @internal The task's signal, created on first use (an already CANCELLED event gets an
   * aborted one): a task that never reads `ctx.signal` costs no `AbortController`.
   */
  _signal(): AbortSignal {
    let c = this._controller;
    if (c === undefined) {
      c = this._controller = new AbortController();
      if (this.status === RequestStatus.CANCELLED) c.abort(this.#d?.error);
    }
    return c.signal;
  }

  /** `<executor>-<n>`: unique within the executor. */
  get id(): string {
    return `${this.owner.name}-${this.seq}`;
  }

  /** Resolves with the task's value, or rejects with the error of a FAILED / CANCELLED event. */
  result(): Promise<T> {
    if (this.status === RequestStatus.COMPLETED) return Promise.resolve(this._value as T);
    if (this.status === RequestStatus.FAILED || this.status === RequestStatus.CANCELLED)
      return Promise.reject(this.error);
    return (this._promise ??= new Promise<unknown>(
      (res, rej) => ((this._resolve = res), (this._reject = rej)),
    )) as Promise<T>;
  }

  /** Subscribes to this event's status changes. */
  onStatus(listener: Listener): Disposable {
    return addListener(this._detail(), listener);
  }

  /**
   * Cancels the event; true when this call moved it to CANCELLED (false once terminal). A
   * pending, queued or waiting event leaves at once, freeing its place and its reserved tokens;
   * a calling one has its task's signal aborted and is CANCELLED at once (the task's outcome is
   * then ignored; tokens of a call that may have reached the upstream are not refunded). A task
   * that never read `ctx.signal` cannot be interrupted: the event is CANCELLED all the same,
   * and its slot is freed when the task settles.
   */
  cancel(reason?: string | Error): boolean {
    const from = this.status;
    if (isTerminalStatus(from)) return false;
    const text = reason instanceof Error ? reason.message : reason;
    const error = new RequestCancelledError(this.owner.name, this.id, text);
    this._fail(error, RequestStatus.CANCELLED);
    this._waiter?.cancel(error);
    this._controller?.abort(error);
    this._abortHook?._abortCall(error);
    this.owner.cancelled(this, from);
    return true;
  }

  /** The last `logLimit` entries, `"<ISO time> - <message>"`, oldest first (formatted on each read). */
  get logs(): readonly string[] {
    return formatEventLogs(this, this.#d, this.owner.logLimit);
  }

  /** A log-safe plain object: every field but `error` (response headers already filtered). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: this.id,
      status: this.status,
      lane: this.lane,
      tokens: this.tokens,
      attempts: this.attempts,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
    };
    for (const k of OPTIONAL_JSON) {
      const v = this[k];
      if (v !== undefined) out[k] = v;
    }
    out.logs = this.logs;
    return out;
  }

  /**
   * @internal Moves to `to` (no-op when equal or terminal), setting its timestamp once. `at`: the
   * clock time of the change when the caller has just read it (default: read now).
   */
  _setStatus(to: RequestStatus, at?: number): void {
    const from = this.status;
    if (from === to || isTerminalStatus(from)) return;
    if (at === undefined) at = this.owner.now();
    this.status = to;
    this.updatedAt = at;
    if (to === RequestStatus.QUEUED) this.queuedAt ??= at;
    else if (to === RequestStatus.PROCESSING) this.processingStartedAt ??= at;
    else if (to === RequestStatus.CALLING) this.callStartedAt ??= at;
    else if (isTerminalStatus(to)) this.completedAt ??= at;
    if (to !== RequestStatus.QUEUED) {
      const k = this._implicit;
      if (k >= 0 && k === straightStep(from, to)) this._implicit = k + 1;
      else this._log(statusLog(from, to), at);
    }
    const l = this.#d?.listeners;
    if (l !== undefined) {
      const change: RequestStatusChange = { event: this as NetworkRequestEvent, from, to, at };
      if (typeof l === 'function') safe(l, change);
      else for (const x of l) safe(x, change);
    }
    this.owner.statusChanged(this as NetworkRequestEvent, from, to, at);
  }

  /** @internal Completes with the task's value (at clock time `at`, default now). */
  _complete(value: T, at?: number): void {
    if (isTerminalStatus(this.status)) return;
    this._value = value;
    this._setStatus(RequestStatus.COMPLETED, at);
    this._resolve?.(value);
  }

  /** @internal FAILED (or CANCELLED) with `error`. */
  _fail(error: unknown, to: RequestStatus = RequestStatus.FAILED): void {
    if (isTerminalStatus(this.status)) return;
    const d = this._detail();
    d.error = error;
    d.errorType = errorName(error);
    d.errorMessage = scrubSecrets(error instanceof Error ? error.message : String(error));
    this._log(`Call failed: ${d.errorType} - ${d.errorMessage}`, this.owner.now());
    this._setStatus(to);
    this._reject?.(error);
  }

  /**
   * @internal Appends a log entry at clock time `at` (dropping the oldest beyond `logLimit`):
   * a message, or the HTTP status of a completed call (`undefined`: completed, no status).
   * Stores `(at − createdAt, entry)`; nothing is formatted until `logs` is read.
   */
  _log(entry: string | number | undefined, at: number = this.owner.now()): void {
    const limit = this.owner.logLimit;
    if (limit !== 0) appendLog(this, this._detail(), limit, entry, at);
  }

  /** @internal Logs the completed call (its status code, if any): implicit on the straight path. */
  _logCompleted(): void {
    if (this._implicit === 2) this._implicit = 3;
    else this._log(this.responseStatus);
  }
}
