import { parseSse, SseDecoder } from './sse-parser.js';
import type { SseEvent } from '../providers/provider.js';

const enc = new TextEncoder();

async function* chunks(parts: (string | Uint8Array)[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? enc.encode(p) : p;
}

async function collect(parts: (string | Uint8Array)[]): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const ev of parseSse(chunks(parts))) out.push(ev);
  return out;
}

/** Every way to cut `bytes` in two. */
function splits(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.slice(0, i), bytes.slice(i)]);
  return out;
}

describe('parseSse', () => {
  it('parses data, event and id fields, with the default event name', async () => {
    const evs = await collect(['event: delta\nid: 7\ndata: {"a":1}\n\ndata: plain\n\n']);
    expect(evs).toEqual([
      { event: 'delta', data: '{"a":1}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
    ]);
  });

  it('joins multi-line data with \\n and ignores comments, retry and unknown fields', async () => {
    const evs = await collect([': keep-alive\ndata: one\ndata:two\nretry: 10\nfoo: bar\ndata\n\n']);
    expect(evs).toEqual([{ event: 'message', data: 'one\ntwo\n' }]);
  });

  it('accepts \\r\\n and \\r line ends, also a \\r\\n split across chunks', async () => {
    expect(await collect(['data: a\r\n\r\ndata: b\r\rdata: c\n\n'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
      { event: 'message', data: 'c' },
    ]);
    const split = await collect(['data: x\r', '\n\r', '\ndata: y\r', '\r']);
    expect(split.map((e) => e.data)).toEqual(['x', 'y']);
  });

  it('drops events without data (an event: line alone)', async () => {
    expect(await collect(['event: ping\n\ndata: z\n\n'])).toEqual([{ event: 'message', data: 'z' }]);
  });

  it('dispatches a final event without a trailing blank line, also without a final newline', async () => {
    expect(await collect(['data: a\n\ndata: last'])).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'last' },
    ]);
    expect(await collect(['event: end\ndata: tail\n'])).toEqual([{ event: 'end', data: 'tail' }]);
  });

  it('gives the same events for every chunk boundary, including inside a UTF-8 character', async () => {
    const text = 'event: d\ndata: héllo 🌍 wörld\r\n\r\ndata: ✓\n\n';
    const bytes = enc.encode(text);
    const expected = [
      { event: 'd', data: 'héllo 🌍 wörld' },
      { event: 'message', data: '✓' },
    ];
    for (const parts of splits(bytes)) expect(await collect(parts)).toEqual(expected);
    // One byte per chunk.
    expect(await collect([...bytes].map((b) => Uint8Array.of(b)))).toEqual(expected);
  });

  it('the decoder returns the events each chunk completes', () => {
    const d = new SseDecoder();
    expect(d.pushText('data: a')).toEqual([]);
    expect(d.pushText('\n')).toEqual([]);
    expect(d.pushText('\n')).toEqual([{ event: 'message', data: 'a' }]);
    expect(d.end()).toEqual([]);
  });
});
