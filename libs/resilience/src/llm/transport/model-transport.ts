import { ResilienceConfigError } from '../../core/errors/config.error.js';
import type { Executor } from '../../executor/executor.js';
import type { SubmitOptions } from '../../executor/executor.options.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { DeadlineList } from './deadline-list.js';
import { transportFetch } from './fetch-adapter.js';
import { jsonTask, type CallRequest } from './json-attempt.js';
import { ModelStreamImpl } from './model-stream.js';
import { NativeHttp } from './native-http.js';
import { urlRedactor } from './redaction.js';
import { streamAttempt, type StreamReply } from './stream-attempt.js';
import type { TransportCore } from './transport-attempt.js';
import type {
  CallObserver,
  JsonReply,
  ModelCallOptions,
  ModelStream,
  ModelTransportOptions,
} from './transport.options.js';

const DEFAULT_STREAM_BUFFER = 64;

function normalize(o: ModelTransportOptions, executor: Executor): TransportCore {
  const path = `transport.${executor.name}`;
  if (o === null || typeof o !== 'object') throw new ResilienceConfigError(path, o, 'an options object');
  const p = o.provider;
  if (p === null || typeof p !== 'object' || typeof p.errorFor !== 'function')
    throw new ResilienceConfigError(`${path}.provider`, p, 'an LlmProvider');
  if (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0) || !Number.isFinite(o.timeoutMs))
    throw new ResilienceConfigError(`${path}.timeoutMs`, o.timeoutMs, 'a finite number > 0');
  if (!Array.isArray(o.secrets) || o.secrets.some((s) => typeof s !== 'string'))
    throw new ResilienceConfigError(`${path}.secrets`, o.secrets, 'an array of strings');
  if (o.fetch !== undefined && typeof o.fetch !== 'function')
    throw new ResilienceConfigError(`${path}.fetch`, o.fetch, 'a fetch function');
  const buf = o.streamBuffer ?? DEFAULT_STREAM_BUFFER;
  if (!Number.isInteger(buf) || buf < 1)
    throw new ResilienceConfigError(`${path}.streamBuffer`, o.streamBuffer, 'an integer >= 1');
  const clock = o.clock ?? executor.clock;
  const secrets = o.secrets.filter((s) => s !== '');
  return {
    provider: p,
    secrets,
    timeoutMs: o.timeoutMs,
    clock,
    deadlines: new DeadlineList(clock, o.timeoutMs),
    streamBuffer: buf,
    fetch: o.fetch,
    native: o.fetch === undefined ? new NativeHttp() : undefined,
    redactUrl: urlRedactor(secrets),
  };
}

/**
 * The one attempt path of the llm layer (iModel and the SDK adapters): every call is one
 * executor event whose task does one real exchange per attempt (the executor's retries, breaker,
 * limits and `Retry-After` pauses apply). Non-2xx answers are the provider's typed errors,
 * transport failures `errorFromTransport`'s; usage reconciles the token reservation; one unref'd
 * timer per transport enforces the per-attempt timeout. See docs/llm/streaming.md.
 * @example
 * ```ts
 * import { Executor } from 'nest-resilience/executor';
 * import { ModelTransport, type LlmProvider } from 'nest-resilience/llm';
 * declare const provider: LlmProvider;
 * const executor = Executor.create('openai', { concurrencyLimit: 4, requestsRate: 10 });
 * const transport = new ModelTransport(executor, { provider, secrets: ['sk-…'], timeoutMs: 60_000 });
 * const { reply } = transport.sendJson('http://127.0.0.1:4010/v1/chat/completions', {}, '{}', { tokens: 500 });
 * ```
 * @publicApi
 */
export class ModelTransport {
  readonly #executor: Executor;
  readonly #core: TransportCore;
  #fetch: typeof fetch | undefined = undefined;

  /** Validates `options` (`ResilienceConfigError` naming `transport.<executor>.<option>`). */
  constructor(executor: Executor, options: ModelTransportOptions) {
    this.#executor = executor;
    this.#core = normalize(options, executor);
  }

  /** The executor every call goes through. */
  get executor(): Executor {
    return this.#executor;
  }

  /**
   * Non-streaming POST of a JSON body: `reply` resolves with the 2xx reply (usage from
   * `provider.usageOf` reconciles the reservation) or rejects with the typed error. `submit`'s
   * synchronous errors (queue full, stopped, bad lane) are thrown.
   */
  sendJson(
    url: string,
    headers: Record<string, string>,
    body: string,
    options: ModelCallOptions,
  ): { event: NetworkRequestEvent<JsonReply>; reply: Promise<JsonReply> } {
    const event = this.#executor.submit(
      jsonTask(this.#core, this.#request(url, headers, body, options.observer)),
      this.#submit(options, url),
    );
    return { event, reply: event.result() };
  }

  /**
   * Streaming POST: iterate the returned stream for the text deltas. Retried (per the executor)
   * only before the first delta; after it a failure is a `StreamInterruptedError`. The slot is
   * held until the stream ends; its usage reconciles the reservation.
   */
  openStream(url: string, headers: Record<string, string>, body: string, options: ModelCallOptions): ModelStream {
    const core = this.#core;
    const stream = new ModelStreamImpl(core.streamBuffer);
    const req = this.#request(url, headers, body, options.observer);
    const event = this.#executor.submit<StreamReply>(
      (ctx) => streamAttempt(core, req, ctx, stream),
      this.#submit(options, url),
    );
    stream.attach(event);
    return stream;
  }

  /**
   * A `fetch` for SDK clients (their retries off): each fetch is one executor event with the
   * options of the current `runWithCallOptions` (none: no reservation, the default lane). A
   * JSON answer is buffered (its usage reported); a `text/event-stream` answer is handed out at
   * its first text delta while the transport keeps reading it for the usage. Rejects with the
   * final typed error, also kept for `lastCallError()`.
   */
  asFetch(): typeof fetch {
    return (this.#fetch ??= transportFetch(this.#core, this.#executor));
  }

  /**
   * Closes the sockets the transport keeps open for non-streaming calls (idle ones are unref'd
   * and close by themselves after 4 s; a call still running on them fails). Call it once no call
   * of this transport runs (`IModel.close()` does, after its executor stopped).
   */
  close(): void {
    this.#core.native?.close();
  }

  #request(url: string, headers: Record<string, string>, body: string, observer?: CallObserver): CallRequest {
    return { url, method: 'POST', idempotent: this.#core.provider.idempotent, init: { headers, body }, observer };
  }

  #submit<T>(o: ModelCallOptions, url: string): SubmitOptions<T> {
    return {
      tokens: o.tokens,
      lane: o.lane,
      signal: o.signal,
      metadata: o.metadata,
      gate: o.observer,
      method: 'POST',
      url: this.#core.redactUrl(url),
    };
  }
}
