import type { SseEvent } from '../providers/provider.js';

/** Longest line (characters) or event data the decoder accepts before it fails the stream. */
const MAX_CHARS = 8 * 1024 * 1024;

/**
 * An incremental server-sent-events decoder (the WHATWG `text/event-stream` rules): `\n`,
 * `\r\n` and `\r` line ends, multi-line `data:` (joined with `\n`), `event:` and `id:` fields,
 * `:` comments, chunk boundaries anywhere (a UTF-8 character split across two chunks is decoded
 * with a streaming `TextDecoder`). An event is dispatched at a blank line; `end()` also
 * dispatches a last event that had no trailing blank line. Events without data are dropped (as
 * the spec says). A line or event beyond 8 MiB characters throws.
 * @publicApi
 */
export class SseDecoder {
  readonly #decoder = new TextDecoder('utf-8');
  #buf = '';
  #cr = false;
  #data: string[] = [];
  #dataChars = 0;
  #event = '';
  #id: string | undefined = undefined;
  #lastId: string | undefined = undefined;

  /** Decodes one chunk; returns the events it completed (often none or one). */
  push(chunk: Uint8Array): SseEvent[] {
    return this.#feed(this.#decoder.decode(chunk, { stream: true }), false);
  }

  /** Text input (already decoded), for tests and string sources. */
  pushText(text: string): SseEvent[] {
    return this.#feed(text, false);
  }

  /** The body ended: flushes the decoder and dispatches a last unterminated event. */
  end(): SseEvent[] {
    return this.#feed(this.#decoder.decode(), true);
  }

  #feed(text: string, last: boolean): SseEvent[] {
    const out: SseEvent[] = [];
    let s = text;
    if (this.#cr && s !== '') {
      if (s.charCodeAt(0) === 10) s = s.slice(1); // the `\n` of a `\r\n` split across chunks
      this.#cr = false;
    }
    let buf = this.#buf + s;
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(buf.slice(start, i), out);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else this.#cr = true;
      }
      start = i + 1;
    }
    buf = buf.slice(start);
    if (last) {
      if (buf !== '') this.#line(buf, out);
      buf = '';
      this.#dispatch(out);
    } else if (buf.length > MAX_CHARS) throw new Error(`SSE line longer than ${MAX_CHARS} characters`);
    this.#buf = buf;
    return out;
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') return this.#dispatch(out);
    if (line.charCodeAt(0) === 58) return; // ':' comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.#dataChars += value.length + 1;
      if (this.#dataChars > MAX_CHARS) throw new Error(`SSE event data longer than ${MAX_CHARS} characters`);
      this.#data.push(value);
    } else if (field === 'event') this.#event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.#id = value;
    }
    // `retry` and unknown fields are ignored.
  }

  #dispatch(out: SseEvent[]): void {
    if (this.#id !== undefined) this.#lastId = this.#id;
    this.#id = undefined;
    const event = this.#event;
    this.#event = '';
    if (this.#data.length === 0) return;
    const ev: SseEvent = { event: event === '' ? 'message' : event, data: this.#data.join('\n') };
    if (this.#lastId !== undefined) ev.id = this.#lastId;
    this.#data = [];
    this.#dataChars = 0;
    out.push(ev);
  }
}

/**
 * Parses a body of bytes (a fetch `Response.body`, a Node stream) into server-sent events, in
 * order. See {@link SseDecoder} for the rules. Breaking out of the loop stops reading the body.
 * @example
 * ```ts
 * import { parseSse } from 'nest-resilience/llm';
 * const res = await fetch('http://127.0.0.1:4010/v1/chat/completions', { method: 'POST' });
 * for await (const ev of parseSse(res.body!)) console.log(ev.event, ev.data);
 * ```
 * @publicApi
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncIterable<SseEvent> {
  const decoder = new SseDecoder();
  for await (const chunk of body) yield* decoder.push(chunk);
  yield* decoder.end();
}
