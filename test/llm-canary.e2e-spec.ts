import type { ExecutorOptions } from 'nest-resilience/executor';
import {
  createSdkAdapter,
  IModel,
  ModelRegistry,
  PROVIDER_NAMES,
  type ModelFallbackEvent,
  type ProviderName,
} from 'nest-resilience/llm';
import { Executor } from 'nest-resilience/executor';
import { scrubSecrets } from 'nest-resilience/http';
import {
  artefacts,
  deadPort,
  drain,
  errorMessage,
  leaks,
  recordExecutor,
  settle,
  startKit,
  type CanaryKit,
  type Settled,
} from './support/llm-canary.js';

/**
 * "A canary key through every path of every provider": for OpenAI, Anthropic and Gemini, the
 * configured key (`canary-Zx81-plain-token-<provider>`, a shape no default scrub pattern knows)
 * is echoed by the provider's real test server in error bodies, in-stream error events and
 * response headers; no result, error (String, stack, JSON, toJSON, causes), executor event (JSON
 * at each status, logs), fallback event or model `toJSON()` / `snapshot()` may contain it.
 * Not covered: a key echoed in a success body (returned as the provider sent it: `raw`, `text`).
 */
const EXEC: ExecutorOptions = {
  concurrencyLimit: 4,
  requestsRate: 1000,
  apiTokensRate: 1_000_000,
  tokenCalibration: 'off',
  retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 5, jitter: 'none', maxRetryAfterMs: 10 },
};
const NO_RETRY: ExecutorOptions = { ...EXEC, retry: { maxRetries: 0 } };
const ASK = { messages: [{ role: 'user' as const, content: 'hello' }], maxTokens: 5 };

describe.each(PROVIDER_NAMES.map((p) => [p]))('canary key through every path: %s', (provider: ProviderName) => {
  let kit: CanaryKit;
  let registry: ModelRegistry<IModel>;
  let seen: string[];
  let n = 0;

  beforeAll(async () => {
    kit = await startKit(provider);
  });
  afterAll(() => kit.server.close());
  beforeEach(() => {
    registry = new ModelRegistry<IModel>();
    seen = [];
    kit.server.received.length = 0;
  });
  afterEach(async () => {
    const models = registry.names().map((name) => registry.get(name));
    // Everything the models expose after the call; then no artefact may hold the key.
    for (const m of models) seen.push(...artefacts(m.toJSON()), ...artefacts(m.snapshot()));
    const found = leaks(seen, kit.key);
    await Promise.all(models.map((m) => m.close({ drain: false })));
    expect(found).toEqual([]);
  });

  function model(extra: Record<string, unknown> = {}, name = `${provider}-${n++}`): IModel {
    const options = { provider, model: kit.model, apiKey: kit.key, baseUrl: kit.baseUrl, timeoutMs: 5000 };
    const m = IModel.create(name, { ...options, executor: EXEC, ...extra }, { registry });
    recordExecutor(m.executor, seen);
    m.onFallback((e: ModelFallbackEvent) => seen.push(...artefacts(e), ...artefacts(e.error)));
    return m;
  }
  const keep = (s: Settled): Settled => (seen.push(...artefacts(s.ok ? s.value : s.error)), s);
  const failed = (s: Settled, name?: RegExp): void => {
    expect(s.ok).toBe(false);
    if (!s.ok && name !== undefined) expect((s.error as Error).name).toMatch(name);
  };

  it('the server really echoes the key (the canary is live)', async () => {
    kit.server.enqueue(kit.error(400));
    const res = await fetch(`${kit.server.baseUrl}/anything`, { method: 'POST', body: '{}' });
    expect(res.headers.get('x-echo-key')).toBe(kit.key);
    expect(await res.text()).toContain(kit.key);
    // No default pattern knows the canary: only scrubbing the configured key removes it.
    expect(scrubSecrets(errorMessage(kit.key))).toContain(kit.key);
    expect(scrubSecrets(`Bearer ${kit.key}`)).not.toContain(kit.key); // (which is why no reply says "Bearer <key>")
  });

  it('chat success (key in the response headers)', async () => {
    kit.server.enqueue(kit.ok());
    const s = keep(await settle(model().chat(ASK)));
    expect(s.ok && (s.value as { text: string }).text).toBe('ok');
  });

  it.each([401, 400])('chat %i whose body, message and headers carry the key', async (status) => {
    kit.server.enqueue(kit.error(status));
    failed(keep(await settle(model().chat(ASK))), /^Upstream/);
    expect(kit.server.received).toHaveLength(1);
  });

  it('a 429 with retry-after 0, then success', async () => {
    kit.server.enqueue(kit.error(429, 0), kit.ok());
    const s = keep(await settle(model().chat(ASK)));
    expect(s.ok).toBe(true);
    expect(kit.server.received).toHaveLength(2);
  });

  it('a transport failure (a port nobody listens on), retried then given up', async () => {
    const baseUrl = `http://127.0.0.1:${await deadPort()}`;
    failed(keep(await settle(model({ baseUrl }).chat(ASK))));
  });

  it('stream success', async () => {
    kit.server.enqueue(kit.stream(['o', 'k']));
    const s = model().stream(ASK);
    const { deltas, end } = await drain(s);
    keep(end);
    seen.push(...artefacts(s.event));
    expect(deltas.join('')).toBe('ok');
    expect(end.ok).toBe(true);
  });

  // A streamed result's `requestId` comes from the response headers (OpenAI `x-request-id`,
  // Anthropic `request-id`; Gemini prefers the body's `responseId`): the parser gets them scrubbed.
  it('stream success with request-id headers echoing the key', async () => {
    kit.server.enqueue(kit.stream(['o', 'k'], false, true));
    const s = model().stream(ASK);
    const { end } = await drain(s);
    const found = leaks([...seen, ...artefacts(end.ok && end.value), ...artefacts(s.event)], kit.key);
    seen.length = 0; // checked here
    expect(end.ok).toBe(true);
    expect(found).toEqual([]);
  });

  // `util.inspect(model)` (console.log, most loggers' object formatting) shows no key.
  it('util.inspect(model) does not show the key', () => {
    expect(leaks(artefacts(model()), kit.key)).toEqual([]);
  });

  it('stream with an in-stream error event carrying the key, before the first delta', async () => {
    const m = model({ executor: NO_RETRY });
    kit.server.enqueue(kit.stream([], true, true));
    const s = m.stream(ASK);
    const { deltas, end } = await drain(s);
    keep(end);
    seen.push(...artefacts(s.event));
    expect(deltas).toEqual([]);
    failed(end);
  });

  it('stream with an in-stream error event carrying the key, after the first delta', async () => {
    kit.server.enqueue(kit.stream(['par', 'tial'], true, true));
    const s = model().stream(ASK);
    const { deltas, end } = await drain(s);
    keep(end);
    seen.push(...artefacts(s.event));
    expect(deltas.join('')).toBe('partial');
    failed(end, /StreamInterruptedError/);
  });

  it('stream cancelled after the first delta', async () => {
    kit.server.enqueue(kit.hang());
    const s = model().stream(ASK);
    const it = s[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ text: 'a' });
    s.cancel('user left');
    failed(keep(await settle(it.next())), /RequestCancelledError/);
    keep(await settle(s.result()));
    seen.push(...artefacts(s.event));
  });

  it('invoke: success, an error, and a streamed in-stream error', async () => {
    const m = model({ executor: NO_RETRY });
    kit.server.enqueue(kit.ok(), kit.error(401), kit.stream(['x'], true));
    const ok = m.invoke(kit.payload);
    expect(keep(await settle(ok.result())).ok).toBe(true);
    const bad = m.invoke(kit.payload);
    failed(keep(await settle(bad.result())), /^Upstream/);
    const st = m.invoke(kit.payload, { stream: true });
    const read = (async () => {
      for await (const t of st) void t;
      return st.result();
    })();
    failed(keep(await settle(read)));
    seen.push(...artefacts(ok), ...artefacts(bad), ...artefacts(st.event));
  });

  it('acompletion: success and an error', async () => {
    const m = model({ executor: NO_RETRY });
    kit.server.enqueue(kit.ok(), kit.error(400));
    const ok = m.acompletion('hi', { maxTokens: 5 });
    expect(keep(await settle(ok.result())).ok).toBe(true);
    const bad = m.acompletion('hi', { maxTokens: 5 });
    failed(keep(await settle(bad.result())), /^Upstream/);
    seen.push(...artefacts(ok), ...artefacts(bad));
  });

  it('a fallback after an error carrying the key, then exhausted fallbacks', async () => {
    const main = model({ executor: NO_RETRY, fallbacks: ['backup'] });
    model({ executor: NO_RETRY }, 'backup');
    const moves: ModelFallbackEvent[] = [];
    main.onFallback((e) => moves.push(e));
    kit.server.enqueue(kit.error(503), kit.ok());
    const s = keep(await settle(main.chat(ASK)));
    expect(s.ok && (s.value as { modelName: string }).modelName).toBe('backup');
    kit.server.enqueue(kit.error(503), kit.error(503));
    failed(keep(await settle(main.chat(ASK))), /ModelFallbackExhaustedError/);
    kit.server.enqueue(kit.stream([], true), kit.stream([], true));
    failed(keep((await drain(main.stream(ASK))).end));
    expect(moves.length).toBeGreaterThanOrEqual(3);
  });

  it('an SDK adapter call failing with the key echoed', async () => {
    const executor = Executor.create(`sdk-${provider}-${n++}`, NO_RETRY);
    recordExecutor(executor, seen);
    const adapter = createSdkAdapter(provider, kit.key, { executor, baseUrl: kit.baseUrl, timeoutMs: 5000 });
    kit.server.enqueue(kit.error(401));
    const [path, params] =
      provider === 'openai'
        ? ['chat.completions.create', { model: kit.model, messages: ASK.messages, max_tokens: 5 }]
        : provider === 'anthropic'
          ? ['messages.create', { model: kit.model, messages: ASK.messages, max_tokens: 5 }]
          : ['models.generateContent', { model: kit.model, contents: 'hello' }];
    failed(keep(await settle(adapter.call(path, params))), /Upstream|Authentication/);
    seen.push(...artefacts(adapter));
    await adapter.close();
    await executor.stop({ drain: false });
  });
});
