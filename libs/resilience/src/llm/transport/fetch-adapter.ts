import type { Executor } from '../../executor/executor.js';
import type { ExecutorTaskContext } from '../../executor/executor.options.js';
import { currentCallContext } from './call-context.js';
import type { CallRequest } from './json-attempt.js';
import { streamAttempt, type StreamReply, type StreamSink } from './stream-attempt.js';
import { StreamChannel } from './stream-channel.js';
import type { TransportCore } from './transport-attempt.js';
import type { CallObserver } from './transport.options.js';

/** A buffered 2xx answer that is not a stream (`ApiResponse`-shaped; `data` the parsed JSON or the text). */
interface BufferedReply {
  status: number;
  headers: Record<string, string>;
  data: unknown;
  bytes: Uint8Array;
  response: Response;
}

const NO_BODY = new Set([204, 205, 304]);

/** Response headers for a body we re-emit decoded. */
function replayHeaders(res: Response): Headers {
  const h = new Headers(res.headers);
  h.delete('content-encoding');
  h.delete('content-length');
  return h;
}

/**
 * The sink of one `asFetch()` call: buffers a JSON answer; taps a stream (the bytes go on to the
 * SDK through a bounded channel while the task parses them for usage). The `Response` is handed
 * out at the first text delta (or when the channel is full, or the stream ended): before that, a
 * failed attempt is retried and its bytes dropped.
 * @internal
 */
class FetchSink implements StreamSink<BufferedReply> {
  begun = false;
  receivedChars = 0;
  #channel: StreamChannel<Uint8Array> | undefined = undefined;
  #res: Response | undefined = undefined;
  event: { cancel(reason?: string): boolean } | undefined = undefined;
  readonly response: Promise<Response>;
  resolve!: (r: Response) => void;
  reject!: (e: unknown) => void;

  constructor(
    private readonly core: TransportCore,
    private readonly capacity: number,
    private readonly observer: CallObserver | undefined,
  ) {
    this.response = new Promise<Response>((res, rej) => ((this.resolve = res), (this.reject = rej)));
  }

  /** A new attempt: what an earlier (failed, never handed out) attempt read is dropped. */
  reset(): void {
    if (!this.begun) this.#channel = this.#res = undefined;
  }

  opened(res: Response): void {
    this.#res = res;
    this.#channel = new StreamChannel<Uint8Array>(this.capacity, () => this.event?.cancel('the body was cancelled'));
  }

  chunk(bytes: Uint8Array | undefined, deltas: readonly string[] | undefined): Promise<void> | undefined {
    if (deltas !== undefined) for (const d of deltas) this.receivedChars += d.length;
    if (bytes === undefined) return undefined;
    const wait = this.#channel!.push(bytes);
    if (!this.begun && (deltas !== undefined || wait !== undefined)) this.#handOut();
    return wait;
  }

  async other(res: Response, headers: Record<string, string>, ctx: ExecutorTaskContext): Promise<BufferedReply> {
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not JSON: kept as text (no usage).
    }
    const usage = this.core.provider.usageOf(data);
    if (usage !== undefined) ctx.reportUsage(usage.totalTokens);
    if (res.status >= 200 && res.status < 300) this.observer?.reply(data, headers, usage);
    const body = NO_BODY.has(res.status) ? null : bytes;
    const response = new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: replayHeaders(res),
    });
    return { status: res.status, headers, data, bytes, response };
  }

  /** The event completed: a stream's channel ends (handing the response out if not yet). */
  ended(reply: StreamReply | BufferedReply): void {
    if ('response' in reply) return this.resolve(reply.response);
    this.#channel?.end();
    if (!this.begun) this.#handOut();
  }

  failed(error: unknown): void {
    if (this.begun) this.#channel?.fail(error);
    else this.reject(error);
  }

  #handOut(): void {
    this.begun = true;
    const ch = this.#channel!;
    const res = this.#res!;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const r = await ch.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: () => void ch.return(),
    });
    this.resolve(new Response(body, { status: res.status, statusText: res.statusText, headers: replayHeaders(res) }));
  }
}

function combine(a: AbortSignal | undefined, b: AbortSignal | null | undefined): AbortSignal | undefined {
  if (b === undefined || b === null) return a;
  return a === undefined ? b : AbortSignal.any([a, b]);
}

/**
 * `ModelTransport.asFetch()`: a `fetch` whose every call is one executor event, with the call
 * options of the current `runWithCallOptions` (defaults when absent: no reservation, the default
 * lane). The final typed error (after the executor's retries) is the fetch's rejection and is
 * recorded on the call context (`lastCallError()`).
 * @internal
 */
export function transportFetch(core: TransportCore, executor: Executor): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const cc = currentCallContext();
    const o = cc?.options;
    const request = typeof input === 'object' && 'url' in input && !(input instanceof URL) ? input : undefined;
    const url = request !== undefined ? request.url : String(input);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    let body = init?.body;
    if (body === undefined && request !== undefined && method !== 'GET' && method !== 'HEAD')
      body = await request.arrayBuffer();
    const req: CallRequest = {
      url,
      method,
      idempotent: method === 'GET' || method === 'HEAD' ? true : core.provider.idempotent,
      init: { headers: init?.headers ?? request?.headers, body },
      observer: o?.observer,
    };
    const sink = new FetchSink(core, core.streamBuffer, o?.observer);
    try {
      const ev = executor.submit(
        (ctx) => {
          sink.reset();
          return streamAttempt(core, req, ctx, sink);
        },
        {
          tokens: o?.tokens ?? 0,
          lane: o?.lane,
          signal: combine(o?.signal, init?.signal ?? request?.signal),
          metadata: o?.metadata,
          gate: o?.observer,
          method,
          url: core.redactUrl(url),
        },
      );
      sink.event = ev;
      ev.result().then(
        (reply) => sink.ended(reply),
        (error: unknown) => {
          if (cc !== undefined) cc.lastError = error;
          sink.failed(error);
        },
      );
    } catch (error) {
      if (cc !== undefined) cc.lastError = error;
      throw error;
    }
    return sink.response;
  };
}
