import type { ExecutorTaskContext } from '../../executor/executor.options.js';
import type { ParsedChatResponse } from '../chat/chat.types.js';
import type { CallRequest } from './json-attempt.js';
import { SseDecoder } from './sse-parser.js';
import { StreamInterruptedError } from './stream-interrupted.error.js';
import { safeResponseHeaders } from './redaction.js';
import { Attempt, type TransportCore } from './transport-attempt.js';

/** What the executor records of a finished stream (`ApiResponse`-shaped). @internal */
export interface StreamReply {
  status: number;
  headers: Record<string, string>;
  data: ParsedChatResponse;
}

/**
 * Where a stream's reader hands what it read. `begun` turns true once the consumer has seen
 * anything (the first text delta; for `asFetch`, the response): from then on a failure is a
 * `StreamInterruptedError` and the call is not retried.
 * @internal
 */
export interface StreamSink<R = never> {
  readonly begun: boolean;
  /** Characters of text handed out so far. */
  readonly receivedChars: number;
  /** The 2xx response arrived (before its body is read); `headers` scrubbed of the secrets. */
  opened?(res: Response, headers: Record<string, string>): void;
  /**
   * Reads a 2xx response that is not `text/event-stream` instead (asFetch: a JSON reply);
   * absent: every 2xx body is read as SSE. `headers` scrubbed of the secrets.
   */
  other?(res: Response, headers: Record<string, string>, ctx: ExecutorTaskContext): Promise<R>;
  /**
   * A body chunk and the text deltas it completed (maybe none). A returned promise is awaited
   * before reading on (backpressure; the attempt's deadline pauses meanwhile).
   */
  chunk(bytes: Uint8Array | undefined, deltas: readonly string[] | undefined): Promise<void> | undefined;
}

/**
 * One attempt of a streaming call: fetch; a non-2xx is the provider's typed error; a 2xx body
 * is parsed as SSE by the provider's stream parser, each chunk resetting the deadline. A failure
 * before the sink has begun is the typed error (retried when transient); after, a
 * `StreamInterruptedError` (permanent). Resolves at the end of the stream with the parser's
 * result, after reporting its usage (none reported: the reservation stands).
 * @internal
 */
export async function streamAttempt<R = never>(
  core: TransportCore,
  req: CallRequest,
  ctx: ExecutorTaskContext,
  sink: StreamSink<R>,
): Promise<StreamReply | R> {
  const a = new Attempt(core, ctx, req.method, req.url, req.idempotent);
  a.start();
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let finished = false;
  let bodyEnded = false;
  try {
    const res = await a.send(req.init);
    if (res.status < 200 || res.status >= 300) throw await a.statusError(res);
    // Read once, scrubbed of the key (the parser reads the request id from them).
    const safe = safeResponseHeaders(res.headers, core.secrets);
    if (sink.other !== undefined && !/text\/event-stream/i.test(safe['content-type'] ?? '')) {
      bodyEnded = true; // read (or cancelled) by `other`
      return await sink.other(res, safe, ctx);
    }
    const parser = core.provider.createStreamParser(safe, {
      url: req.url,
      secrets: core.secrets,
      now: core.clock.now(),
    });
    const decoder = new SseDecoder();
    sink.opened?.(res, safe);
    reader = res.body?.getReader();
    // Bounded by the body: every turn reads one chunk (or ends).
    while (!finished) {
      const r = reader === undefined ? { done: true as const, value: undefined } : await reader.read();
      let events;
      if (r.done) {
        finished = bodyEnded = true;
        events = decoder.end();
      } else {
        core.deadlines.touch(a);
        events = decoder.push(r.value);
      }
      let deltas: string[] | undefined;
      let failure: { error: unknown } | undefined;
      for (const ev of events) {
        let out;
        try {
          out = parser.push(ev);
        } catch (error) {
          failure = { error }; // an error event: the deltas before it in this chunk go out first
          break;
        }
        if (out === 'done') {
          finished = true;
          break;
        }
        if (out !== undefined && out !== '') (deltas ??= []).push(out);
      }
      // A chunk that failed hands out its bytes only when it also carried text (the stream started).
      const wait = sink.chunk(failure === undefined || deltas !== undefined ? r.value : undefined, deltas);
      if (failure !== undefined) throw failure.error;
      if (wait !== undefined) {
        core.deadlines.remove(a); // the consumer is behind: not the upstream's silence
        await wait;
        if (a.cancelled) throw a.cancelReason;
        core.deadlines.add(a);
      }
    }
    const parsed = parser.result();
    if (parsed.usage !== undefined) ctx.reportUsage(parsed.usage.totalTokens);
    req.observer?.streamEnd(parsed, safe);
    return { status: res.status, headers: safe, data: parsed };
  } catch (error) {
    const typed = a.mapError(error);
    if (a.cancelled || !sink.begun) throw typed;
    throw new StreamInterruptedError(typed, sink.receivedChars);
  } finally {
    a.finish();
    if (reader !== undefined && !bodyEnded) reader.cancel().catch(() => undefined);
  }
}
