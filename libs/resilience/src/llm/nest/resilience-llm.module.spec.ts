import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Global, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { VirtualClock } from '../../core/clock.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { Executor } from '../../executor/executor.js';
import { getExecutorToken } from '../../executor/nest/executor.tokens.js';
import { ResilienceExecutorModule } from '../../executor/nest/resilience-executor.module.js';
import { ResilienceModule } from '../../nest/resilience.module.js';
import { useNestTestApp } from '../../nest/testing-support/nest-test-app.js';
import { IModel } from '../imodel/imodel.js';
import { ModelRegistry } from '../imodel/imodel-registry.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import { executorTokenOf, getIModelToken } from './imodel.tokens.js';
import { InjectIModel } from './inject-imodel.decorator.js';
import { ResilienceLlmModule } from './resilience-llm.module.js';
import type { ResilienceLlmModelOptions } from './resilience-llm.options.js';

const KEY = 'sk-test-1';
const EXEC = { concurrencyLimit: 2, requestsRate: 100 };
let server: OpenAIServer;
let gpt: () => ResilienceLlmModelOptions;

@Injectable()
class Asker {
  constructor(@InjectIModel('gpt') readonly gpt: IModel) {}
}

@Injectable()
class Pair {
  constructor(
    @InjectIModel('gpt') readonly gpt: IModel,
    @InjectIModel('mini') readonly mini: IModel,
  ) {}
}

@Injectable()
class Settings {
  get(key: string): string {
    return { OPENAI_URL: server.apiBaseUrl, OPENAI_KEY: KEY }[key]!;
  }
}

@Global()
@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: KEY });
  gpt = () => ({ provider: 'openai', model: 'gpt-4o-mini', apiKey: KEY, baseUrl: server.apiBaseUrl, executor: EXEC });
});
afterAll(() => server.close());

const { boot, release } = useNestTestApp();

describe('ResilienceLlmModule: registration and injection by name', () => {
  it.each([
    ['forRoot', () => ResilienceLlmModule.forRoot({ models: { gpt: gpt() } })],
    ['registerModel', () => ResilienceLlmModule.registerModel({ name: 'gpt', ...gpt() })],
    [
      'registerModelAsync',
      () =>
        ResilienceLlmModule.registerModelAsync({
          name: 'gpt',
          inject: [Settings],
          useFactory: (s: Settings) => ({ ...gpt(), baseUrl: s.get('OPENAI_URL'), apiKey: s.get('OPENAI_KEY') }),
        }),
    ],
    [
      'forRootAsync',
      () =>
        ResilienceLlmModule.forRootAsync({
          models: { gpt: {} },
          inject: [Settings],
          useFactory: async (s: Settings) => ({ models: { gpt: { ...gpt(), apiKey: s.get('OPENAI_KEY') } } }),
        }),
    ],
  ])('%s: @InjectIModel(name) gets the model; a real call answers; the registry lists it', async (_how, module) => {
    const ref = await boot([SettingsModule as unknown as DynamicModule, module()], [Asker]);
    const model = ref.get(Asker).gpt;
    expect(model).toBeInstanceOf(IModel);
    expect(ref.get(getIModelToken('gpt'))).toBe(model);
    expect(ref.get(ModelRegistry).names()).toEqual(['gpt']);
    const before = server.received.length;
    const result = await model.chat({ messages: [{ role: 'user', content: 'hello nest' }], lane: undefined });
    expect(result.text).toBe('echo: hello nest');
    expect(result.usage?.inputTokens).toBeGreaterThan(0);
    expect(server.received.length).toBe(before + 1);
    expect(server.received.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('two models naming one executor of ResilienceExecutorModule share that instance (its limits and lanes)', async () => {
    const named = { ...gpt(), executor: 'openai' };
    const ref = await boot(
      [
        ResilienceExecutorModule.forRoot({
          executors: { openai: { ...EXEC, lanes: [{ name: 'interactive' }, { name: 'batch', maxShare: 0.7 }] } },
        }),
        ResilienceLlmModule.forRoot({ models: { gpt: named } }),
        ResilienceLlmModule.registerModelAsync({
          name: 'mini',
          executor: 'openai',
          useFactory: () => {
            const { executor: _e, ...rest } = gpt();
            return { ...rest, model: 'gpt-4.1-mini' };
          },
        }),
      ],
      [Pair],
    );
    const shared = ref.get<Executor>(getExecutorToken('openai'));
    const { gpt: a, mini: b } = ref.get(Pair);
    expect(a.executor).toBe(shared);
    expect(b.executor).toBe(shared);
    const r = await b.chat({ messages: [{ role: 'user', content: 'x' }], lane: 'batch' });
    expect(r.model).toContain('gpt-4.1-mini');
    expect(shared.snapshot().name).toBe('openai');
    // Closing the application closes the models and leaves the shared executor to its module (which drains it).
    await ref.close();
    release();
    expect(a.snapshot().closed).toBe(true);
    expect(shared.snapshot().running).toBe(false);
  });

  it('inline executor options: an executor of the model’s own, stopped when the application closes', async () => {
    const ref = await boot([ResilienceLlmModule.forRoot({ models: { gpt: gpt() } })], [Asker]);
    const model = ref.get(Asker).gpt;
    expect(model.executor.snapshot()).toMatchObject({ name: 'gpt', running: true, concurrencyLimit: 2 });
    await ref.close();
    release();
    expect(model.executor.snapshot().running).toBe(false);
    expect(ref.get(ModelRegistry).names()).toEqual([]);
  });

  it('an Executor instance is used as is', async () => {
    const executor = Executor.create('mine', EXEC);
    const ref = await boot([ResilienceLlmModule.registerModel({ name: 'gpt', ...gpt(), executor })], [Asker]);
    expect(ref.get(Asker).gpt.executor).toBe(executor);
    await executor.stop();
  });

  it('fallbacks find the other models of the application (one registry for every registration)', async () => {
    const ref = await boot([
      ResilienceLlmModule.forRoot({ models: { gpt: { ...gpt(), fallbacks: ['mini'] } } }),
      ResilienceLlmModule.registerModel({ name: 'mini', ...gpt(), executor: { ...EXEC } }),
    ]);
    expect(ref.get(ModelRegistry).names().sort()).toEqual(['gpt', 'mini']);
  });

  it('on ResilienceModule the models get its resolver, clock and store; the key from env', async () => {
    const create = jest.spyOn(IModel, 'create');
    const clock = new VirtualClock(0);
    const store = new MemoryStore();
    const { apiKey: _omit, ...withoutKey } = gpt();
    await boot([
      ResilienceModule.forRoot({ clock, store }),
      ResilienceLlmModule.forRoot({ env: { OPENAI_API_KEY: KEY }, models: { gpt: withoutKey } }),
    ]);
    const deps = create.mock.calls[0]![2]!;
    expect(deps).toMatchObject({ clock, store, env: { OPENAI_API_KEY: KEY } });
    expect(deps.resolver).toBeDefined();
    expect(deps.registry).toBeInstanceOf(ModelRegistry);
  });

  it('isGlobal: false exports the token to the importing module only', async () => {
    @Module({
      imports: [ResilienceLlmModule.registerModel({ name: 'gpt', isGlobal: false, ...gpt() })],
      providers: [Asker],
    })
    class Feature {}
    const ref = await boot([Feature as unknown as DynamicModule]);
    expect(ref.get(Asker).gpt.name).toBe('gpt');
  });

  it('useClass factories: createModelOptions() and createResilienceLlmOptions()', async () => {
    @Injectable()
    class GptOptions {
      createModelOptions() {
        return gpt();
      }
      createResilienceLlmOptions() {
        return { models: { mini: gpt() } };
      }
    }
    const ref = await boot([
      ResilienceLlmModule.registerModelAsync({ name: 'gpt', useClass: GptOptions }),
      ResilienceLlmModule.forRootAsync({ models: { mini: {} }, useClass: GptOptions }),
    ]);
    expect(ref.get(ModelRegistry).names().sort()).toEqual(['gpt', 'mini']);
  });

  it('the executor token of this leaf is the executor module’s', () => {
    expect(executorTokenOf('openai')).toBe(getExecutorToken('openai'));
  });
});
