import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { VirtualClock } from '../../core/clock.js';
import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { Executor } from '../../executor/executor.js';
import { isRequestCancelledError } from '../../executor/errors/request-cancelled.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import type { TokenEstimator } from '../estimate/token-estimator.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import { AnthropicAdapter } from './anthropic.adapter.js';
import { createSdkAdapter } from './create-sdk-adapter.js';
import { GeminiAdapter } from './gemini.adapter.js';
import { OpenAIAdapter } from './openai.adapter.js';
import { isSdkAdapterClosedError, isSdkNotInstalledError } from './sdk-errors.js';

const CANARY = 'sk-canary-7f3a9e';
const PARAMS = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };
let server: OpenAIServer;
let executor: Executor;

beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  executor = Executor.create(
    'sdk',
    { concurrencyLimit: 2, requestsRate: 100 },
    { clock: new VirtualClock(Date.now()) },
  );
});

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('SdkAdapter', () => {
  it('a missing SDK is a SdkNotInstalledError naming the package, from call() and client()', async () => {
    let imports = 0;
    const importSdk = () => (imports++, Promise.reject(new Error(`Cannot find package 'openai' ${CANARY}`)));
    const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl, importSdk });
    const error = await rejection(adapter.call('chat.completions.create', PARAMS));
    expect(isSdkNotInstalledError(error)).toBe(true);
    expect((error as Error).message).toContain('"openai"');
    expect((error as Error).message).toContain('npm install openai');
    expect(JSON.stringify(error) + String((error as Error).cause)).not.toContain(CANARY);
    expect(isSdkNotInstalledError(await rejection(adapter.client()))).toBe(true);
    expect(imports).toBe(2); // a failed load is tried again on the next call
    const wrongModule = new GeminiAdapter(CANARY, { executor, importSdk: () => Promise.resolve({ nothing: 1 }) });
    const e2 = await rejection(wrongModule.client());
    expect((e2 as Error).message).toContain('npm install @google/genai');
    expect(server.received).toHaveLength(0);
  });

  it('close() is idempotent; then call() and client() reject with SdkAdapterClosedError', async () => {
    const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl });
    await adapter.call('chat.completions.create', PARAMS);
    await adapter.close();
    await adapter.close();
    expect(adapter.closed).toBe(true);
    expect(isSdkAdapterClosedError(await rejection(adapter.call('chat.completions.create', PARAMS)))).toBe(true);
    expect(isSdkAdapterClosedError(await rejection(adapter.client()))).toBe(true);
    expect(server.received).toHaveLength(1);
  });

  it('createSdkAdapter: case-insensitive provider names; another value is a ResilienceConfigError naming it', () => {
    expect(createSdkAdapter('OpenAI', CANARY, { executor })).toBeInstanceOf(OpenAIAdapter);
    expect(createSdkAdapter('anthropic', CANARY, { executor })).toBeInstanceOf(AnthropicAdapter);
    expect(createSdkAdapter('GEMINI', CANARY, { executor })).toBeInstanceOf(GeminiAdapter);
    let error: unknown;
    try {
      createSdkAdapter('cohere', CANARY, { executor });
    } catch (e) {
      error = e;
    }
    expect(isResilienceConfigError(error)).toBe(true);
    expect((error as Error).message).toContain('sdkAdapters.provider: "cohere"');
  });

  it('bad options are ResilienceConfigErrors naming the option; the key comes from the env when not given', () => {
    const bad = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isResilienceConfigError(e) ? e.message : 'other';
      }
      return 'none';
    };
    expect(bad(() => new OpenAIAdapter(CANARY, { executor: {} as Executor }))).toContain('sdkAdapters.openai.executor');
    expect(bad(() => new OpenAIAdapter(undefined, { executor, env: {} }))).toContain('sdkAdapters.openai.apiKey');
    expect(bad(() => new OpenAIAdapter(CANARY, { executor, timeoutMs: 0 }))).toContain('sdkAdapters.openai.timeoutMs');
    expect(bad(() => new OpenAIAdapter(CANARY, { executor, baseUrl: 'ftp://x' }))).toContain(
      'sdkAdapters.openai.baseUrl',
    );
    expect(bad(() => new GeminiAdapter(CANARY, { executor, apiVersion: 'beta' }))).toContain(
      'sdkAdapters.gemini.apiVersion',
    );
    expect(bad(() => new AnthropicAdapter(undefined, { executor, env: { ANTHROPIC_API_KEY: CANARY } }))).toBe('none');
  });

  it('the estimator option gives the input estimate of the reservation', async () => {
    const seen: unknown[] = [];
    const estimator: TokenEstimator = {
      estimateInput: (request, model, provider) => (seen.push({ request, model, provider }), 100),
    };
    const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl, estimator, maxTokens: 7 });
    const tokens: number[] = [];
    executor.onStatus((c) => void (c.to === 'COMPLETED' && tokens.push(c.event.tokens)));
    await adapter.call<ChatCompletion>('chat.completions.create', { ...PARAMS, max_completion_tokens: 20 });
    await adapter.call<ChatCompletion>('chat.completions.create', PARAMS);
    expect(tokens).toEqual([120, 107]);
    expect(seen[0]).toEqual({
      request: { messages: [{ role: 'user', content: 'hi' }] },
      model: 'gpt-4o-mini',
      provider: 'openai',
    });
  });

  it("aborting the call's signal cancels it: RequestCancelledError, the connection closes", async () => {
    const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl });
    server.enqueue({ kind: 'hang' });
    const controller = new AbortController();
    const call = rejection(adapter.call('chat.completions.create', PARAMS, { signal: controller.signal }));
    await waitFor(() => server.received.length === 1);
    controller.abort();
    expect(isRequestCancelledError(await call)).toBe(true);
    await server.received[0]!.socketClosed; // the socket that carried the request closes (jest's timeout bounds it)
  });
});

describe('the SDKs are optional peers', () => {
  it('no library file imports an SDK package at load time (type-only or dynamic import() only)', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(sources.length).toBeGreaterThanOrEqual(6);
    const sdk =
      /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s+'(openai|@anthropic-ai\/sdk|@google\/genai)(?:\/[^']*)?'/g;
    let seen = 0;
    for (const file of sources) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(sdk)) {
        seen++;
        expect(`${file}: ${m[1]} ${m[2] ?? ''}`.trim()).toBe(`${file}: ${m[1]} type`);
      }
    }
    expect(seen).toBeGreaterThanOrEqual(6); // the type imports of the three adapters and the factory
    const dynamic = sources.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    for (const pkg of ['openai', '@anthropic-ai/sdk', '@google/genai']) expect(dynamic).toContain(`import('${pkg}')`);
  });
});
