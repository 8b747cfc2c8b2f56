import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import type { ChatResult, ChatStreamDelta } from '../chat/chat.types.js';
import type { ModelStream, StreamResult } from '../transport/transport.options.js';

/**
 * A streaming call of `iModel.stream()`: iterate it for the text deltas, then `await result()`
 * for the final {@link ChatResult} (usage from the stream, `raw` undefined). A failure before
 * the first delta may move the call to a fallback model (docs/llm/fallbacks.md); after it, the
 * iteration and `result()` reject with the typed error (`StreamInterruptedError`). Breaking out
 * of the loop, `cancel()` or the request's `signal` close the connection.
 * @publicApi
 */
export interface ChatStream extends AsyncIterable<ChatStreamDelta> {
  /**
   * Resolves when the stream ended. Called without iterating (before or after), it reads the
   * deltas itself (the text is in the result); iterate first to see them as they come.
   */
  result(): Promise<ChatResult>;
  /** Cancels the call (whichever model streams now): iteration and `result()` reject with `RequestCancelledError`. */
  cancel(reason?: string): void;
  /** The executor event of the model streaming now (undefined until its call was submitted). */
  readonly event: NetworkRequestEvent<unknown> | undefined;
}

/** One model's stream that started (first delta, or its end), and how its end becomes the result. @internal */
export interface StartedStream {
  readonly stream: ModelStream;
  finish(end: StreamResult): ChatResult;
}

/**
 * Opens the stream of each model in turn (the iModel's fallback loop) and reports each one
 * opened through `track`, so that `cancel()` reaches the current one.
 * @internal
 */
export type StreamStarter = (track: (stream: ModelStream) => void) => Promise<StartedStream>;

const noop = (): void => undefined;

/** The {@link ChatStream} of `iModel.stream()`. @internal */
export class ModelChatStream implements ChatStream {
  readonly #started: Promise<StartedStream>;
  #current: ModelStream | undefined = undefined;
  #cancelReason: string | undefined = undefined;
  #cancelled = false;
  #result: Promise<ChatResult> | undefined = undefined;
  #iterating = false;

  constructor(start: StreamStarter) {
    this.#started = start((s) => this.#track(s));
    this.#started.catch(noop); // the caller sees it through iteration or result()
  }

  get event(): NetworkRequestEvent<unknown> | undefined {
    return this.#current?.event;
  }

  [Symbol.asyncIterator](): AsyncGenerator<ChatStreamDelta, void, undefined> {
    this.#iterating = true;
    return this.#iterate();
  }

  async *#iterate(): AsyncGenerator<ChatStreamDelta, void, undefined> {
    const s = await this.#started;
    for await (const text of s.stream) yield { text };
  }

  result(): Promise<ChatResult> {
    return (this.#result ??= this.#finish());
  }

  cancel(reason?: string): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#cancelReason = reason;
    this.#current?.cancel(reason);
  }

  async #finish(): Promise<ChatResult> {
    const s = await this.#started;
    if (!this.#iterating) {
      // Nobody iterates: read the deltas here (the text is in the result), so the reader never waits.
      this.#iterating = true;
      for await (const text of s.stream) void text;
    }
    return s.finish(await s.stream.result());
  }

  #track(stream: ModelStream): void {
    this.#current = stream;
    if (this.#cancelled) stream.cancel(this.#cancelReason);
  }
}
