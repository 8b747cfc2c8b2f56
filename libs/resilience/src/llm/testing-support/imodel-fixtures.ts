// Shared set-up of the iModel specs that talk to all three providers' test servers (127.0.0.1).
import { afterAll, beforeAll, expect } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { IModel } from '../imodel/imodel.js';
import { startAnthropicServer } from './anthropic-server.js';
import { startGeminiServer } from './gemini-server.js';
import type { LlmTestServer } from './llm-test-server.js';
import { startOpenAIServer, type OpenAIServer } from './openai-server.js';

/** The canary API key of these suites: it must never show in a result, event or error. @internal */
export const IMODEL_CANARY = 'sk-canary-7f3a9e';

/** The executor options of {@link IModelSuite.make}'s models. @internal */
export const IMODEL_TEST_EXEC = {
  concurrencyLimit: 4,
  requestsRate: 100,
  apiTokensRate: 100_000,
  tokenCalibration: 'off' as const,
};

/** The servers of one suite and a model factory, set up by {@link useIModelServers}. @internal */
export interface IModelSuite {
  /** OpenAI server (key {@link IMODEL_CANARY}, 2 cached prompt tokens). Read inside tests. */
  readonly openai: OpenAIServer;
  /** Anthropic server (5 cache-read and 3 cache-creation tokens). */
  readonly anthropic: LlmTestServer;
  /** Gemini server (key {@link IMODEL_CANARY}). */
  readonly gemini: LlmTestServer;
  /**
   * A model on that provider's server (`gpt-4o-mini`, `claude-sonnet-4-5`, `gemini-2.5-flash`),
   * key {@link IMODEL_CANARY}, executor {@link IMODEL_TEST_EXEC}, a virtual clock; `extra` is
   * spread last. Closed after the suite.
   */
  make(provider: 'openai' | 'anthropic' | 'gemini', extra?: Record<string, unknown>): IModel;
}

/**
 * Registers the suite's `beforeAll` (starts the three servers) and `afterAll` (closes the models
 * made, then the servers). Call it at the top of the spec file.
 * @internal
 */
export function useIModelServers(): IModelSuite {
  let servers: { openai: OpenAIServer; anthropic: LlmTestServer; gemini: LlmTestServer } | undefined;
  const models: IModel[] = [];
  const started = () => {
    if (servers === undefined) throw new Error('useIModelServers: servers read before beforeAll ran');
    return servers;
  };
  beforeAll(async () => {
    servers = {
      openai: await startOpenAIServer({ apiKey: IMODEL_CANARY, cachedTokens: 2 }),
      anthropic: await startAnthropicServer({ cacheRead: 5, cacheWrite: 3 }),
      gemini: await startGeminiServer({ apiKey: IMODEL_CANARY }),
    };
  });
  afterAll(async () => {
    await Promise.all(models.map((m) => m.close()));
    if (servers !== undefined)
      await Promise.all([servers.openai.close(), servers.anthropic.close(), servers.gemini.close()]);
  });
  return {
    get openai() {
      return started().openai;
    },
    get anthropic() {
      return started().anthropic;
    },
    get gemini() {
      return started().gemini;
    },
    make(provider, extra = {}) {
      const s = started();
      const baseUrl =
        provider === 'openai' ? s.openai.apiBaseUrl : provider === 'anthropic' ? s.anthropic.baseUrl : s.gemini.baseUrl;
      const model = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' }[provider];
      const m = IModel.create(
        `${provider}-${models.length}`,
        { provider, model, apiKey: IMODEL_CANARY, baseUrl, executor: IMODEL_TEST_EXEC, ...extra },
        { clock: new VirtualClock(Date.now()) },
      );
      models.push(m);
      return m;
    },
  };
}

/** Asserts {@link IMODEL_CANARY} is in neither `JSON.stringify(x)` nor, for an error, its string and stack. @internal */
export function expectNoCanary(x: unknown): void {
  expect(JSON.stringify(x)).not.toContain(IMODEL_CANARY);
  if (x instanceof Error) {
    expect(String(x)).not.toContain(IMODEL_CANARY);
    expect(x.stack ?? '').not.toContain(IMODEL_CANARY);
  }
}
