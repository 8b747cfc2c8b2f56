import { VirtualClock } from '../../core/clock.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import { anthropicStreamErrorBeforeDelta, startAnthropicServer } from '../testing-support/anthropic-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import {
  openAIServerError,
  openAIStreamError,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import type { ModelFallbackEvent } from './fallback.js';
import { ModelRegistry } from './imodel-registry.js';
import { IModel } from './imodel.js';

/** iModel.stream against real servers: deltas, usage, fallbacks only before the first delta, cancel. */
const CANARY = 'sk-canary-7f3a9e';
let openai: OpenAIServer;
let anthropic: LlmTestServer;
let registry: ModelRegistry<IModel>;
let clock: VirtualClock;

beforeAll(async () => {
  [openai, anthropic] = await Promise.all([startOpenAIServer(), startAnthropicServer()]);
});
afterAll(() => Promise.all([openai.close(), anthropic.close()]));
beforeEach(() => {
  registry = new ModelRegistry<IModel>();
  clock = new VirtualClock(Date.now());
  openai.received.length = anthropic.received.length = 0;
});
afterEach(() => registry.names().forEach((n) => void registry.get(n).close({ drain: false })));

const EXEC: ExecutorOptions = {
  concurrencyLimit: 2,
  requestsRate: 1000,
  apiTokensRate: 1_000_000,
  tokenCalibration: 'off',
};
const ASK = { messages: [{ role: 'user' as const, content: 'stream me please' }] };

function gpt(name: string, extra: Record<string, unknown> = {}): IModel {
  const o = { provider: 'openai' as const, model: 'gpt-4o-mini', apiKey: CANARY, baseUrl: openai.apiBaseUrl };
  return IModel.create(name, { ...o, executor: EXEC, ...extra }, { registry, clock });
}
function claude(name: string): IModel {
  const o = { provider: 'anthropic' as const, model: 'claude-sonnet-4-5', apiKey: CANARY, baseUrl: anthropic.baseUrl };
  return IModel.create(name, { ...o, executor: EXEC }, { registry, clock });
}

async function collect(s: AsyncIterable<{ text: string }>): Promise<string[]> {
  const out: string[] = [];
  for await (const d of s) out.push(d.text);
  return out;
}

describe('IModel.stream', () => {
  it('yields the deltas in order, then a result with the usage from the stream (reconciling the reservation)', async () => {
    const m = gpt('main');
    const s = m.stream(ASK);
    const deltas = await collect(s);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('echo: stream me please');
    const r = await s.result();
    expect(r.text).toBe('echo: stream me please');
    expect(r.raw).toBeUndefined();
    expect(r.modelName).toBe('main');
    expect(r.usage!.outputTokens).toBeGreaterThan(0);
    expect(r.eventId).toBe(s.event!.id);
    expect(s.event!.actualTokens).toBe(r.usage!.totalTokens);
    expect(openai.received[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(JSON.stringify(r)).not.toContain(CANARY);
    expect(JSON.stringify(s.event)).not.toContain(CANARY);
  });

  it('result() alone reads the stream itself (more deltas than the transport buffers)', async () => {
    const words = 'w '.repeat(150).trim();
    const r = await claude('c')
      .stream({ messages: [{ role: 'user', content: words }] })
      .result();
    expect(r.text).toBe(`Reply to: ${words}`);
    expect(r.provider).toBe('anthropic');
  });

  it('falls back before the first delta (an error event before any text), reporting stream: true', async () => {
    const m = IModel.create(
      'primary',
      {
        provider: 'anthropic',
        model: 'claude-sonnet-4-5',
        apiKey: CANARY,
        baseUrl: anthropic.baseUrl,
        executor: EXEC,
        fallbacks: ['gpt'],
      },
      { registry, clock },
    );
    gpt('gpt');
    const moves: ModelFallbackEvent[] = [];
    m.onFallback((e) => moves.push(e));
    anthropic.enqueue(anthropicStreamErrorBeforeDelta('overloaded_error', 'Overloaded'));
    const s = m.stream(ASK);
    expect((await collect(s)).join('')).toBe('echo: stream me please');
    const r = await s.result();
    expect(r.modelName).toBe('gpt');
    expect(r.fallbackFrom).toEqual(['primary']);
    expect(moves).toEqual([expect.objectContaining({ from: 'primary', to: 'gpt', stream: true })]);
    expect(openai.received).toHaveLength(1);
  });

  it('falls back on a 503 before the stream opened', async () => {
    const m = gpt('main', { fallbacks: ['claude'] });
    claude('claude');
    openai.enqueue(openAIServerError(503));
    const s = m.stream(ASK);
    expect((await collect(s)).join('')).toBe('Reply to: stream me please');
    expect((await s.result()).modelName).toBe('claude');
  });

  it('never falls back after the first delta: the iteration rejects with the typed error', async () => {
    const m = gpt('main', { fallbacks: ['claude'] });
    claude('claude');
    openai.enqueue(openAIStreamError(['par', 'tial']));
    const s = m.stream(ASK);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const d of s) seen.push(d.text);
    })().catch((e: unknown) => e);
    expect(seen.join('')).toBe('partial');
    expect(error).toMatchObject({ name: 'StreamInterruptedError' });
    await expect(s.result()).rejects.toMatchObject({ name: 'StreamInterruptedError' });
    expect(anthropic.received).toHaveLength(0);
    expect(JSON.stringify(error)).not.toContain(CANARY);
  });

  it('cancel() cancels the call and rejects with RequestCancelledError, no fallback', async () => {
    const m = gpt('main', { fallbacks: ['claude'] });
    claude('claude');
    openai.enqueue({
      kind: 'stream',
      steps: [{ data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }] }) }, 'hang'],
    });
    const s = m.stream(ASK);
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ text: 'a' });
    s.cancel('user left');
    await expect(it.next()).rejects.toMatchObject({ name: 'RequestCancelledError' });
    expect(s.event!.status).toBe('CANCELLED'); // the transport aborts its fetch (its own specs prove the socket closes)
    expect(anthropic.received).toHaveLength(0);
  });
});
