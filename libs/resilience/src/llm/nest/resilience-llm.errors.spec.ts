import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { ResilienceExecutorModule } from '../../executor/nest/resilience-executor.module.js';
import { useNestTestApp } from '../../nest/testing-support/nest-test-app.js';
import type { IModel } from '../imodel/imodel.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import { getIModelToken } from './imodel.tokens.js';
import { InjectIModel } from './inject-imodel.decorator.js';
import { ResilienceLlmModule } from './resilience-llm.module.js';
import type { ResilienceLlmModelOptions } from './resilience-llm.options.js';

const CANARY = 'sk-canary-7f3a9e';
const EXEC = { concurrencyLimit: 2, requestsRate: 100 };
let server: OpenAIServer;
let opts: (over?: Partial<ResilienceLlmModelOptions>) => ResilienceLlmModelOptions;

@Injectable()
class Asker {
  constructor(@InjectIModel('gpt') readonly gpt: IModel) {}
}

@Injectable()
class TypoAsker {
  constructor(@InjectIModel('gtp') readonly gpt: IModel) {}
}

beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: 'sk-the-right-one' });
  opts = (over = {}) => ({
    provider: 'openai',
    model: 'gpt-4o-mini',
    apiKey: CANARY,
    baseUrl: server.apiBaseUrl,
    executor: EXEC,
    ...over,
  });
});
afterAll(() => server.close());

const { boot, bootError } = useNestTestApp();

function expectNoCanary(...values: unknown[]): void {
  for (const v of values) {
    expect(String(v)).not.toContain(CANARY);
    expect(JSON.stringify(v) ?? '').not.toContain(CANARY);
    if (v instanceof Error) expect(v.stack ?? '').not.toContain(CANARY);
  }
}

describe('ResilienceLlmModule: names that do not resolve', () => {
  it('an executor name nobody registered fails naming models.<name>.executor and the registered executors', async () => {
    const err = (await bootError([
      ResilienceExecutorModule.forRoot({ executors: { openai: EXEC, anthropic: EXEC } }),
      ResilienceLlmModule.forRoot({ models: { gpt: opts({ executor: 'opnai' }) } }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect([err.path, err.value]).toEqual(['models.gpt.executor', 'opnai']);
    expect(err.message).toContain('registered: openai, anthropic');
    expectNoCanary(err);
  });

  it('without ResilienceExecutorModule the message says none is registered', async () => {
    const err = (await bootError([
      ResilienceLlmModule.registerModel({ name: 'gpt', ...opts({ executor: 'openai' }) }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt.executor');
    expect(err.message).toContain('registered: none');
  });

  it('an executor name returned by a factory must be given statically', async () => {
    const err = (await bootError([
      ResilienceExecutorModule.forRoot({ executors: { openai: EXEC } }),
      ResilienceLlmModule.registerModelAsync({ name: 'gpt', useFactory: () => opts({ executor: 'openai' }) }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt.executor');
    expect(err.expected).toContain("registerModelAsync({ name: 'gpt', executor: 'openai'");
  });

  it("a mistyped @InjectIModel('gtp') fails the bootstrap naming its token and the class", async () => {
    const err = await bootError([ResilienceLlmModule.forRoot({ models: { gpt: opts(), mini: opts() } })], [TypoAsker]);
    expect(err.message).toContain(getIModelToken('gtp'));
    expect(err.message).toContain('TypoAsker');
  });

  it('a fallback naming no model fails the bootstrap naming models.<name>.fallbacks[i] and the registered models', async () => {
    const err = (await bootError([
      ResilienceLlmModule.forRoot({ models: { gpt: opts({ fallbacks: ['mini', 'clade'] }) } }),
      ResilienceLlmModule.registerModel({ name: 'mini', ...opts() }),
    ])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect([err.path, err.value]).toEqual(['models.gpt.fallbacks[1]', 'clade']);
    expect(err.message).toContain('registered: gpt, mini');
  });
});

describe('ResilienceLlmModule: bad options fail the bootstrap naming models.<name>.<option> and the value', () => {
  it.each([
    ['forRoot', () => ResilienceLlmModule.forRoot({ models: { gpt: opts({ maxTokens: 0 }) } })],
    ['registerModel', () => ResilienceLlmModule.registerModel({ name: 'gpt', ...opts({ maxTokens: 0 }) })],
    [
      'registerModelAsync',
      () => ResilienceLlmModule.registerModelAsync({ name: 'gpt', useFactory: async () => opts({ maxTokens: 0 }) }),
    ],
    [
      'forRootAsync',
      () =>
        ResilienceLlmModule.forRootAsync({
          models: { gpt: {} },
          useFactory: () => ({ models: { gpt: opts({ maxTokens: 0 }) } }),
        }),
    ],
  ])('%s', async (_how, module) => {
    const err = (await bootError([module()])) as ResilienceConfigError;
    expect(err).toBeInstanceOf(ResilienceConfigError);
    expect([err.path, err.value]).toEqual(['models.gpt.maxTokens', 0]);
    expect(err.message).toContain('models.gpt.maxTokens: 0');
    expectNoCanary(err);
  });

  it('inline executor options are checked under models.<name>.executor', async () => {
    const err = (await bootError([
      ResilienceLlmModule.forRoot({ models: { gpt: opts({ executor: { ...EXEC, concurrencyLimit: 0 } }) } }),
    ])) as ResilienceConfigError;
    expect([err.path, err.value]).toEqual(['models.gpt.executor.concurrencyLimit', 0]);
  });

  it('forRootAsync: a declared model the factory leaves out, one it adds, settings, declarations', async () => {
    let err = (await bootError([
      ResilienceLlmModule.forRootAsync({
        models: { gpt: {}, mini: {} },
        useFactory: () => ({ models: { gpt: opts() } }),
      }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.mini');
    err = (await bootError([
      ResilienceLlmModule.forRootAsync({ models: {}, useFactory: () => ({ models: { gpt: opts() } }) }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt');
    expect(err.expected).toContain('cannot add injection tokens');
    err = (await bootError([ResilienceLlmModule.forRoot({ shutdownTimeoutMs: -1 })])) as ResilienceConfigError;
    expect([err.path, err.value]).toEqual(['shutdownTimeoutMs', -1]);
    err = (await bootError([
      ResilienceLlmModule.forRoot({ models: { gpt: 'fast' as never } }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt');
    expect(() =>
      ResilienceLlmModule.forRootAsync({ models: { gpt: { model: 'x' } as never }, useFactory: () => ({}) }),
    ).toThrow('models.gpt.model');
    expect(() => ResilienceLlmModule.registerModelAsync({ name: 'gpt' })).toThrow('models.gpt');
    expect(() => ResilienceLlmModule.registerModel({ name: '', ...opts() })).toThrow('registerModel.name');
    expect(() => InjectIModel('')).toThrow(ResilienceConfigError);
  });

  it('a name registered twice fails naming it', async () => {
    const err = (await bootError([
      ResilienceLlmModule.forRoot({ models: { gpt: opts() } }),
      ResilienceLlmModule.registerModel({ name: 'gpt', ...opts() }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt');
  });
});

describe('ResilienceLlmModule: the key', () => {
  it('a missing key names the environment variable, never a value', async () => {
    const { apiKey: _k, ...noKey } = opts();
    const err = (await bootError([
      ResilienceLlmModule.forRoot({ env: {}, models: { gpt: noKey } }),
    ])) as ResilienceConfigError;
    expect(err.path).toBe('models.gpt.apiKey');
    expect(err.message).toContain('OPENAI_API_KEY');
  });

  it('the canary key (from options or env) is absent from the model, its errors and the module options', async () => {
    const { apiKey: _k, ...noKey } = opts();
    const ref = await boot(
      [ResilienceLlmModule.forRoot({ env: { OPENAI_API_KEY: CANARY }, models: { gpt: noKey } })],
      [Asker],
    );
    const model = ref.get(Asker).gpt;
    // The server expects another key: a 401, typed, without the key.
    const error = await model.chat({ messages: [{ role: 'user', content: 'hi' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(server.received.at(-1)!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expectNoCanary(error, model.toJSON(), model.snapshot());
  });
});
