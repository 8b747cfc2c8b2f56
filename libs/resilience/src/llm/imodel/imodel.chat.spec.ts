import { Executor } from '../../executor/executor.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import {
  expectNoCanary,
  IMODEL_CANARY,
  IMODEL_TEST_EXEC,
  useIModelServers,
} from '../testing-support/imodel-fixtures.js';
import { IModel } from './imodel.js';

/** iModel.chat / acompletion / invoke against the providers' real test servers (127.0.0.1). */
const servers = useIModelServers();
const { make } = servers;
const CANARY = IMODEL_CANARY;
const EXEC = IMODEL_TEST_EXEC;

/** The events the executor created, captured through its status stream. */
function events(executor: Executor): NetworkRequestEvent[] {
  const out: NetworkRequestEvent[] = [];
  executor.onStatus((c) => {
    if (c.from === 'PENDING') out.push(c.event);
  });
  return out;
}

describe('IModel.chat', () => {
  it('openai: text, usage (cached tokens included in inputTokens), finishReason, requestId, lane, metadata, reconciled reservation', async () => {
    const m = make('openai');
    const seen = events(m.executor);
    const r = await m.chat({
      messages: [{ role: 'user', content: 'hello there' }],
      maxTokens: 50,
      metadata: { job: 7 },
    });
    expect(r.text).toBe('echo: hello there');
    expect(r.provider).toBe('openai');
    expect(r.modelName).toBe(m.name);
    expect(r.fallbackFrom).toEqual([]);
    expect(r.finishReason).toBe('stop');
    expect(r.requestId).toMatch(/^req_\d+$/);
    const raw = (r.raw as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect(r.usage).toMatchObject({
      inputTokens: raw.prompt_tokens,
      outputTokens: raw.completion_tokens,
      cacheReadTokens: 2,
      totalTokens: raw.prompt_tokens + raw.completion_tokens,
    });
    expect(r.metadata).toEqual({ job: 7 });
    expect(seen).toHaveLength(1);
    const ev = seen[0]!;
    expect(r.eventId).toBe(ev.id);
    expect(ev.metadata).toEqual({ job: 7 });
    expect(ev.lane).toBe('default');
    expect(ev.tokens).toBe(r.estimatedTokens);
    expect(r.estimatedTokens).toBeGreaterThan(50); // input estimate + maxTokens
    expect(ev.actualTokens).toBe(r.usage!.totalTokens);
    expect(servers.openai.received.at(-1)!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    expectNoCanary(r);
    expectNoCanary(ev);
  });

  it('anthropic: inputTokens = input_tokens + cache read + cache creation', async () => {
    const m = make('anthropic');
    const r = await m.chat({ system: 'be brief', messages: [{ role: 'user', content: 'what is up' }] });
    const raw = (
      r.raw as {
        usage: {
          input_tokens: number;
          output_tokens: number;
          cache_read_input_tokens: number;
          cache_creation_input_tokens: number;
        };
      }
    ).usage;
    expect(r.text).toBe('Reply to: what is up');
    expect(r.finishReason).toBe('stop');
    expect(r.rawFinishReason).toBe('end_turn');
    expect(r.requestId).toMatch(/^req_test_\d+$/);
    expect(r.usage).toMatchObject({
      inputTokens: raw.input_tokens + 5 + 3,
      cacheReadTokens: 5,
      cacheWriteTokens: 3,
      outputTokens: raw.output_tokens,
    });
    expect(servers.anthropic.received.at(-1)!.headers['x-api-key']).toBe(CANARY);
    expect(servers.anthropic.received.at(-1)!.body!.max_tokens).toBe(1024); // the model's default maxTokens
    expectNoCanary(r);
  });

  it('gemini: usage from usageMetadata, finishReason length when maxOutputTokens cuts', async () => {
    const m = make('gemini');
    const r = await m.chat({ messages: [{ role: 'user', content: 'x'.repeat(80) }], maxTokens: 3 });
    expect(r.finishReason).toBe('length');
    expect(r.usage!.outputTokens).toBe(3);
    expect(r.requestId).toMatch(/^gemini-resp-\d+$/);
    expect(r.usage!.inputTokens).toBeGreaterThan(0);
    expect(servers.gemini.received.at(-1)!.url).toMatch(/:generateContent$/);
    expect(servers.gemini.received.at(-1)!.headers['x-goog-api-key']).toBe(CANARY);
    expectNoCanary(r);
  });

  it('takes the lane of the request; the default temperature only when the request names none', async () => {
    const m = make('openai', {
      temperature: 0.3,
      executor: { ...EXEC, lanes: [{ name: 'interactive' }, { name: 'batch' }] },
    });
    const seen = events(m.executor);
    await m.chat({ messages: [{ role: 'user', content: 'a' }], lane: 'batch' });
    expect(seen[0]!.lane).toBe('batch');
    expect(servers.openai.received.at(-1)!.body!.temperature).toBe(0.3);
    await m.chat({ messages: [{ role: 'user', content: 'a' }], temperature: 0.9 });
    expect(servers.openai.received.at(-1)!.body!.temperature).toBe(0.9);
  });

  it('two models share one executor (one key): both calls are events of it', async () => {
    const shared = Executor.create('shared-key', EXEC);
    const seen = events(shared);
    const a = IModel.create('mini', {
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: CANARY,
      baseUrl: servers.openai.apiBaseUrl,
      executor: shared,
    });
    const b = IModel.create('big', {
      provider: 'openai',
      model: 'gpt-4o',
      apiKey: CANARY,
      baseUrl: servers.openai.apiBaseUrl,
      executor: shared,
    });
    const [ra, rb] = await Promise.all([
      a.chat({ messages: [{ role: 'user', content: '1' }] }),
      b.chat({ messages: [{ role: 'user', content: '2' }] }),
    ]);
    expect(ra.model).toBe('gpt-4o-mini');
    expect(rb.model).toBe('gpt-4o');
    expect(seen.map((e) => e.id).sort()).toEqual([ra.eventId, rb.eventId].sort());
    await a.close();
    expect(shared.snapshot().running).toBe(true); // a shared executor is not stopped by close()
    await expect(a.chat({ messages: [{ role: 'user', content: '1' }] })).rejects.toMatchObject({
      name: 'ExecutorStoppedError',
    });
    await b.close();
    await shared.stop();
  });
});
