/**
 * Section 9, streaming: the cost per chunk of reading an OpenAI chat-completions stream raw
 * (global `fetch`, `TextDecoder`, a minimal SSE split on blank lines, `JSON.parse` of each event,
 * `choices[0].delta.content`) and through `iModel.stream({ messages })` (transport SSE parser,
 * provider stream parser, bounded channel, the async iterator of deltas, then `result()`).
 * The server (this file with `--server`: the child process of both halves, started by
 * `startIModelBenchServer`) streams the answer one code point per event, one
 * event every {@link PACE_MS} ms, so every delta is its own write and its own read, as a model
 * generating tokens sends them. Streams of {@link SHORT} and {@link LONG} deltas (the answer is
 * `echo: ` + the user message, so the message length sets the count; checked at warm-up) at
 * {@link STREAMS_IN_FLIGHT} in flight; per chunk = the slope (CPU per long stream − CPU per short
 * stream) ÷ (LONG − SHORT), paired per rep, so the per-call cost (request, estimate, event) cancels.
 * Reported, no target.
 */
import { pathToFileURL } from 'node:url';
import { openAIProvider } from '../libs/resilience/src/llm/providers/openai/openai.provider.js';
import type { LlmReceived, Scripted, StreamStep } from '../libs/resilience/src/llm/testing-support/llm-test-server.js';
import {
  openAIAnswer,
  openAIPromptTokens,
  openAIStreamSteps,
  startOpenAIServer,
} from '../libs/resilience/src/llm/testing-support/openai-server.js';
import type { ChatMessage } from '../libs/resilience/src/llm/chat/chat.types.js';
import { BENCH_KEY, BENCH_MODEL, benchModel, startIModelBenchServer } from './imodel.js';
import { interleaved } from './lib/interleave.js';
import { fmt, median } from './lib/stats.js';
import { markdownTable } from './lib/report.js';
import type { Variant } from './lib/variant.js';

/** Pause of the paced stream server between two SSE events, ms (each event its own write and read). */
export const PACE_MS = 1;
/** Streams in flight. */
export const STREAMS_IN_FLIGHT = 20;
/** Deltas of the short and the long stream. */
export const SHORT = 20;
export const LONG = 200;

/** One row of the streaming table (medians over reps). */
export interface StreamRow {
  name: string;
  /** CPU µs per stream of SHORT and of LONG deltas. */
  shortUs: number;
  longUs: number;
  /** CPU µs per stream of LONG ÷ LONG. */
  perChunkAvgUs: number;
  /** (longUs − shortUs) ÷ (LONG − SHORT), paired per rep; min–max over reps. */
  perChunkUs: number;
  minPerChunkUs: number;
  maxPerChunkUs: number;
}

/** A user message whose echoed answer (`echo: ` + message) has `deltas` code points. */
const messagesFor = (deltas: number): ChatMessage[] => [
  { role: 'user', content: 'x'.repeat(deltas - 'echo: '.length) },
];

interface Chunk {
  choices?: { delta?: { content?: unknown } }[];
}

/** Reads one stream raw: fetch, a minimal SSE split, JSON.parse per event; returns the deltas seen. */
async function rawStream(url: string, headers: Record<string, string>, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  if (res.status !== 200 || res.body === null) throw new Error(`raw stream: status ${res.status}`);
  const decoder = new TextDecoder();
  let buf = '';
  let deltas = 0;
  // Bounded by the body: each turn consumes one chunk of it.
  for await (const bytes of res.body) {
    buf += decoder.decode(bytes, { stream: true });
    for (let end = buf.indexOf('\n\n'); end !== -1; end = buf.indexOf('\n\n')) {
      const frame = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
      const text = (JSON.parse(frame.slice(6)) as Chunk).choices?.[0]?.delta?.content;
      if (typeof text === 'string' && text !== '') deltas++;
    }
  }
  return deltas;
}

/** Runs the streaming half of section 9: `reps` reps of `perWorker` streams per caller for each variant. */
export async function measureIModelStream(reps: number, perWorker: number): Promise<StreamRow[]> {
  const server = await startIModelBenchServer();
  const model = benchModel('bench-imodel-stream', server.pacedUrl);
  const config = { model: BENCH_MODEL, apiKey: BENCH_KEY, baseUrl: server.pacedUrl, maxTokens: 1024 };
  const lengths = [SHORT, LONG];
  const raws = lengths.map((n) => {
    const pr = openAIProvider.chatRequest({ messages: messagesFor(n) }, config, true);
    return () => rawStream(server.pacedUrl + pr.path, pr.headers, pr.body);
  });
  const viaModel = lengths.map((n) => async (): Promise<number> => {
    const s = model.stream({ messages: messagesFor(n) });
    let deltas = 0;
    for await (const d of s) if (d.text !== '') deltas++;
    await s.result();
    return deltas;
  });
  try {
    for (const [i, n] of lengths.entries()) {
      const got = [await raws[i]!(), await viaModel[i]!()];
      if (got.some((g) => g !== n)) throw new Error(`stream bench: expected ${n} deltas, got ${got.join(' / ')}`);
    }
    const variants: Variant[] = [
      { name: `raw ${SHORT}`, call: raws[0]! },
      { name: `raw ${LONG}`, call: raws[1]! },
      { name: `iModel ${SHORT}`, call: viaModel[0]! },
      { name: `iModel ${LONG}`, call: viaModel[1]! },
    ];
    const s = await interleaved(variants, {
      reps,
      inFlight: STREAMS_IN_FLIGHT,
      perWorker,
      warmPerWorker: 1,
      reset: server.reset,
    });
    const slope = (short: number[], long: number[]) => long.map((l, r) => (l - short[r]!) / (LONG - SHORT));
    const rawSlope = slope(s[0]!.cpuUs, s[1]!.cpuUs);
    const modelSlope = slope(s[2]!.cpuUs, s[3]!.cpuUs);
    const row = (name: string, short: number[], long: number[], perChunk: number[]): StreamRow => ({
      name,
      shortUs: median(short),
      longUs: median(long),
      perChunkAvgUs: median(long) / LONG,
      perChunkUs: median(perChunk),
      minPerChunkUs: Math.min(...perChunk),
      maxPerChunkUs: Math.max(...perChunk),
    });
    const diff = (a: number[], b: number[]) => a.map((x, r) => x - b[r]!);
    return [
      row('raw `fetch` + minimal SSE split + `JSON.parse`', s[0]!.cpuUs, s[1]!.cpuUs, rawSlope),
      row('`iModel.stream({ messages })` deltas, then `result()`', s[2]!.cpuUs, s[3]!.cpuUs, modelSlope),
      row(
        'iModel − raw (paired per rep)',
        diff(s[2]!.cpuUs, s[0]!.cpuUs),
        diff(s[3]!.cpuUs, s[1]!.cpuUs),
        diff(modelSlope, rawSlope),
      ),
    ];
  } finally {
    await model.close();
    await server.close();
  }
}

/** The streaming table. */
export function streamTable(rows: readonly StreamRow[]): string {
  return markdownTable(
    [
      'reader',
      `CPU µs / stream of ${SHORT} deltas`,
      `CPU µs / stream of ${LONG} deltas`,
      `÷ ${LONG} (µs / chunk, call cost included)`,
      `µs / chunk: slope ${SHORT} → ${LONG} (paired median, min–max)`,
    ],
    rows.map((r) => [
      r.name,
      fmt(r.shortUs, 1),
      fmt(r.longUs, 1),
      fmt(r.perChunkAvgUs, 2),
      `${fmt(r.perChunkUs, 2)} (${fmt(r.minPerChunkUs, 2)} – ${fmt(r.maxPerChunkUs, 2)})`,
    ]),
  );
}

/** The paced server's answer: `openAIAnswer`'s content, one delta per code point, {@link PACE_MS} between events. */
function pacedStream(req: LlmReceived): Scripted {
  const body = req.body ?? {};
  if (body.stream !== true) return { status: 400, body: { error: { message: 'stream only', type: 'bench' } } };
  const answer = openAIAnswer(body);
  const prompt = openAIPromptTokens(body);
  const usage = { prompt_tokens: prompt, completion_tokens: answer.tokens, total_tokens: prompt + answer.tokens };
  const steps = openAIStreamSteps({ model: BENCH_MODEL, deltas: Array.from(answer.content), usage });
  const paced: StreamStep[] = steps.flatMap((s, i) => (i === 0 ? [s] : [{ delayMs: PACE_MS }, s]));
  return { kind: 'stream', headers: { 'x-request-id': 'req_paced' }, steps: paced };
}

/** Child mode: the two servers, driven over IPC (`reset`, `close`). */
async function serve(): Promise<void> {
  const chat = await startOpenAIServer({ apiKey: BENCH_KEY, model: BENCH_MODEL });
  const paced = await startOpenAIServer({ apiKey: BENCH_KEY, model: BENCH_MODEL });
  paced.setDefault(pacedStream);
  process.on('message', (m) => {
    if (m === 'reset') {
      chat.received.length = 0;
      paced.received.length = 0;
      process.send?.('reset');
    } else if (m === 'close') {
      void Promise.all([chat.close(), paced.close()]).then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ chat: chat.apiBaseUrl, paced: paced.apiBaseUrl });
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(process.argv[1]).href &&
  process.argv.includes('--server')
)
  await serve();
