import { encodeChat } from 'gpt-tokenizer/encoding/o200k_base';
import OpenAI from 'openai';
import { parseGoDurationMs } from 'nest-resilience/http';
import { startSimulatedOpenAI, type SimulatedOpenAI, type SimulatedOpenAIOptions } from './simulated-openai.server.js';

const CANARY = 'sk-canary-7f3a9e';
const messages = [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content: 'What is a rate limit? 你好 🎉' },
];

describe('startSimulatedOpenAI', () => {
  let sim: SimulatedOpenAI | undefined;
  let t = 0;
  const start = async (o: SimulatedOpenAIOptions = {}) =>
    (sim = await startSimulatedOpenAI({ latencyMs: { min: 0, max: 0 }, chunkDelayMs: 0, now: () => t, ...o }));
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sim!.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CANARY}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeEach(() => {
    t = 0;
  });
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers a chat completion as a simulation, with usage counted like OpenAI (o200k + cookbook framing)', async () => {
    const logs: string[] = [];
    await start({ logger: { log: (m) => void logs.push(m) } });
    expect(sim!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await post({ model: 'gpt-4o-mini', messages });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-simulated')).toBe('true');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('59');
    const body = (await res.json()) as {
      choices: { message: { content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    };
    expect(body.choices[0]!.message.content.startsWith('[simulated] ')).toBe(true);
    expect(body.choices[0]!.finish_reason).toBe('stop');
    expect(body.usage.prompt_tokens).toBe(encodeChat(messages, 'gpt-4o').length);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    expect(logs.join('\n')).toMatch(/SIMULATED OpenAI-compatible server .* 60 requests and 20000 tokens per 10s/);
    expect(sim!.stats()).toMatchObject({ requests: 1, ok: 1, rateLimited: 0, promptTokens: body.usage.prompt_tokens });
  });

  it('speaks to the official SDK, non-streaming and streaming with include_usage', async () => {
    await start({ chunkDelayMs: 1 });
    const client = new OpenAI({ baseURL: sim!.url, apiKey: CANARY, maxRetries: 0 });
    const done = await client.chat.completions.create({ model: 'gpt-4o', messages });
    expect(done.choices[0]!.message.content).toMatch(/^\[simulated\] You asked: "What is a rate limit\?/);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe(done.choices[0]!.message.content);
    expect(usage).toEqual(done.usage);
    expect(sim!.stats()).toMatchObject({ ok: 2, streamed: 1 });
  });

  it('cuts the answer at max_tokens (finish_reason length)', async () => {
    await start();
    const body = (await (await post({ messages, max_completion_tokens: 3 })).json()) as {
      choices: { finish_reason: string }[];
      usage: { completion_tokens: number };
    };
    expect(body.choices[0]!.finish_reason).toBe('length');
    expect(body.usage.completion_tokens).toBe(3);
  });

  it('answers 429 with Retry-After and x-ratelimit-* over its requests limit, and counts them', async () => {
    await start({ requestsPerWindow: 2, windowMs: 1000 });
    expect((await post({ messages })).status).toBe(200);
    t = 300;
    expect((await post({ messages })).status).toBe(200);
    t = 400;
    const refused = await post({ messages });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('retry-after-ms')).toBe('600');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(parseGoDurationMs(refused.headers.get('x-ratelimit-reset-requests') ?? undefined)).toBe(600);
    expect(refused.headers.get('x-simulated')).toBe('true');
    const error = ((await refused.json()) as { error: { type: string; code: string; message: string } }).error;
    expect(error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
    expect(error.message).toContain('simulated');
    t = 1000;
    expect((await post({ messages })).status).toBe(200);
    const stats = await (await fetch(sim!.url.replace(/\/v1$/, '/sim/stats'))).json();
    expect(await (await fetch(`${sim!.url}/sim/stats`)).json()).toEqual(stats);
    expect(stats).toMatchObject({ requests: 4, ok: 3, rateLimited: 1, rateLimitedBy: { requests: 1, tokens: 0 } });
    expect(sim!.stats().rateLimited).toBe(1);
  });

  it('answers 429 over its tokens limit (prompt + completion of the accepted requests)', async () => {
    await start({ tokensPerWindow: 120, windowMs: 1000 });
    const first = (await (await post({ messages })).json()) as { usage: { total_tokens: number } };
    expect(first.usage.total_tokens).toBeGreaterThan(60);
    const refused = await post({ messages });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining-tokens')).toBe(String(120 - first.usage.total_tokens));
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('tokens');
    expect(sim!.stats().rateLimitedBy).toEqual({ requests: 0, tokens: 1 });
  });

  it('checks the key when given one, and never echoes it', async () => {
    await start({ apiKey: CANARY });
    const wrong = await post({ messages }, { authorization: 'Bearer sk-wrong-123' });
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(text).not.toContain('sk-wrong-123');
    expect(text).not.toContain(CANARY);
    expect((await post({ messages })).status).toBe(200);
    expect(sim!.stats().unauthorized).toBe(1);
  });

  it('refuses bad bodies and unknown routes with OpenAI error shapes', async () => {
    await start();
    expect((await post('{not json')).status).toBe(400);
    expect((await post({ model: 'x' })).status).toBe(400);
    expect((await post({ messages, max_tokens: 0 })).status).toBe(400);
    const unknown = await fetch(`${sim!.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    expect(sim!.stats()).toMatchObject({ badRequests: 3, ok: 0 });
  });

  it('draws its latency from the seed: the same seed gives the same delays, within the bounds', async () => {
    const delays = async (seed: number) => {
      await start({ seed, latencyMs: { min: 0, max: 5 } });
      const out: string[] = [];
      for (let i = 0; i < 6; i++) out.push((await post({ messages })).headers.get('openai-processing-ms')!);
      await sim!.close();
      return out;
    };
    const a = await delays(42);
    expect(await delays(42)).toEqual(a);
    expect(a.every((d) => Number(d) >= 0 && Number(d) <= 5)).toBe(true);
    expect(new Set([...a, ...(await delays(43))]).size).toBeGreaterThan(1);
  });

  it('a client that goes away mid-stream does not disturb the server', async () => {
    await start({ chunkDelayMs: 20 });
    const res = await post({ messages, stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    expect((await post({ messages })).status).toBe(200);
    await sim!.close();
    await sim!.close();
  });
});
