import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import type { StreamReply, StreamSink } from './stream-attempt.js';
import { StreamChannel } from './stream-channel.js';
import type { ModelStream, StreamResult } from './transport.options.js';

/**
 * The {@link ModelStream} of `openStream`, and the sink its executor task reads into: text
 * deltas go through a bounded {@link StreamChannel}; the event's outcome ends the channel, settles
 * `started()` and `result()`.
 * @internal
 */
export class ModelStreamImpl implements ModelStream, StreamSink {
  begun = false;
  receivedChars = 0;
  event!: NetworkRequestEvent<unknown>;
  readonly #channel: StreamChannel<string>;
  /** `started()` outcome: undefined while pending, `true`, or the failure. */
  #startState: { error: unknown } | true | undefined = undefined;
  #startPromise: Promise<void> | undefined = undefined;
  #startResolve: (() => void) | undefined = undefined;
  #startReject: ((e: unknown) => void) | undefined = undefined;
  #result: Promise<StreamResult> | undefined = undefined;

  constructor(capacity: number) {
    this.#channel = new StreamChannel<string>(capacity, () => this.cancel('the consumer stopped reading'));
  }

  /** @internal Links the executor event (once, right after submit). */
  attach(event: NetworkRequestEvent<StreamReply>): void {
    this.event = event as NetworkRequestEvent<unknown>;
    event.result().then(
      () => {
        this.#settleStart(true);
        this.#channel.end();
      },
      (error: unknown) => {
        this.#settleStart({ error });
        this.#channel.fail(error);
      },
    );
  }

  /** @internal StreamSink: hands the deltas to the consumer, one at a time when it is behind. */
  chunk(_bytes: Uint8Array | undefined, deltas: readonly string[] | undefined): Promise<void> | undefined {
    if (deltas === undefined) return undefined;
    return this.#pushFrom(deltas, 0);
  }

  #pushFrom(deltas: readonly string[], from: number): Promise<void> | undefined {
    for (let i = from; i < deltas.length; i++) {
      const d = deltas[i]!;
      this.receivedChars += d.length;
      if (!this.begun) {
        this.begun = true;
        this.#settleStart(true);
      }
      const wait = this.#channel.push(d);
      if (wait !== undefined) return i + 1 < deltas.length ? wait.then(() => this.#pushFrom(deltas, i + 1)) : wait;
    }
    return undefined;
  }

  /** @internal Deltas read but not consumed yet (at most the stream buffer). */
  get buffered(): number {
    return this.#channel.buffered;
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.#channel;
  }

  result(): Promise<StreamResult> {
    return (this.#result ??= (this.event as NetworkRequestEvent<StreamReply>)
      .result()
      .then((r) => ({ ...r.data, headers: r.headers })));
  }

  started(): Promise<void> {
    const s = this.#startState;
    if (s === true) return Promise.resolve();
    if (s !== undefined) return Promise.reject(s.error);
    return (this.#startPromise ??= new Promise<void>((res, rej) => {
      this.#startResolve = res;
      this.#startReject = rej;
    }));
  }

  cancel(reason?: string): void {
    this.event.cancel(reason ?? 'stream cancelled');
  }

  #settleStart(outcome: { error: unknown } | true): void {
    if (this.#startState !== undefined) return;
    this.#startState = outcome;
    if (outcome === true) this.#startResolve?.();
    else this.#startReject?.(outcome.error);
    this.#startResolve = this.#startReject = undefined;
  }
}
