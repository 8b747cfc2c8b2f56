import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger, type DynamicModule } from '@nestjs/common';
import { VirtualClock } from '../../core/clock.js';
import { ResilienceConfigError } from '../../core/errors/index.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { ResilienceModule } from '../../nest/resilience.module.js';
import { useNestTestApp } from '../../nest/testing-support/nest-test-app.js';
import { BUILT_IN_PRICES } from '../cost/built-in-prices.js';
import { costOfUsage } from '../cost/call-cost.js';
import { CostTracker } from '../cost/cost-tracker.js';
import { isBudgetExceededError } from '../errors/budget-exceeded.error.js';
import type { IModel } from '../imodel/imodel.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import type { UsageRecord, UsageSink } from '../usage/usage.types.js';
import { InjectIModel } from './inject-imodel.decorator.js';
import { ResilienceLlmModule } from './resilience-llm.module.js';
import type { ResilienceLlmModelOptions } from './resilience-llm.options.js';

const KEY = 'sk-test-costs';
const EXEC = { concurrencyLimit: 2, requestsRate: 100 };
let server: OpenAIServer;
let gpt: (over?: Partial<ResilienceLlmModelOptions>) => ResilienceLlmModelOptions;
const ask = (m: IModel, content = 'how much?') => m.chat({ messages: [{ role: 'user', content }], lane: undefined });

@Injectable()
class Meters {
  constructor(
    readonly tracker: CostTracker,
    @InjectIModel('gpt') readonly gpt: IModel,
  ) {}
}

@Injectable()
class Three {
  constructor(
    readonly tracker: CostTracker,
    @InjectIModel('gpt') readonly gpt: IModel,
    @InjectIModel('quiet') readonly quiet: IModel,
    @InjectIModel('mini') readonly mini: IModel,
  ) {}
}

beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: KEY });
  gpt = (over = {}) => ({
    provider: 'openai',
    model: 'gpt-4o-mini',
    apiKey: KEY,
    baseUrl: server.apiBaseUrl,
    executor: { ...EXEC },
    ...over,
  });
});
afterAll(() => server.close());

const { boot, bootError, release } = useNestTestApp();

const configError = async (imports: DynamicModule[]) => (await bootError(imports)) as ResilienceConfigError;

describe('ResilienceLlmModule: costs', () => {
  it('forRoot({ costs }): ONE CostTracker, injectable by its class, meters every model it sees; costs: false opts out', async () => {
    const ref = await boot(
      [
        ResilienceLlmModule.forRoot({
          costs: { budgets: [{ name: 'daily', limitUsd: 1 }] },
          models: { gpt: gpt(), quiet: gpt({ costs: false }) },
        }),
        // Another registration (the sample's way): metered by the same, global, tracker.
        ResilienceLlmModule.registerModel({ name: 'mini', ...gpt({ model: 'gpt-4.1-mini' }) }),
      ],
      [Three],
    );
    const { tracker, gpt: a, quiet, mini } = ref.get(Three);
    expect(tracker).toBeInstanceOf(CostTracker);
    expect(ref.get(CostTracker)).toBe(tracker);
    const r1 = await ask(a);
    const r2 = await ask(mini);
    const r3 = await ask(quiet);
    expect(r1.cost).toEqual(costOfUsage(r1.usage!, BUILT_IN_PRICES['gpt-4o-mini']!));
    expect(r2.cost).toEqual(costOfUsage(r2.usage!, BUILT_IN_PRICES['gpt-4.1-mini']!));
    expect(r1.cost!.usd).toBeGreaterThan(0);
    expect(r3.cost).toBeUndefined();
    await tracker.settled();
    const day = tracker.getDailySummary();
    expect(day.calls).toBe(2);
    expect(Object.keys(day.byModel).sort()).toEqual(['gpt-4.1-mini', 'gpt-4o-mini']);
    expect(day.costUsd).toBeCloseTo(r1.cost!.usd + r2.cost!.usd, 12);
    const [daily] = await tracker.budgetStatus();
    expect(daily).toMatchObject({ budget: 'daily', limitUsd: 1, reservedUsd: 0 });
    expect(daily!.spentUsd).toBeCloseTo(r1.cost!.usd + r2.cost!.usd, 12);
  });

  it('without costs: no tracker (injecting CostTracker fails the bootstrap naming it), no model metered', async () => {
    const err = await bootError([ResilienceLlmModule.forRoot({ models: { gpt: gpt() } })], [Meters]);
    expect(err.message).toContain('CostTracker');
    const ref = await boot([ResilienceLlmModule.forRoot({ models: { gpt: gpt() } })]);
    const r = await ask(ref.get<IModel>('nest-resilience:imodel:gpt'));
    expect(r.cost).toBeUndefined();
    expect(() => ref.get(CostTracker)).toThrow();
  });

  it('on ResilienceModule the tracker gets its clock and store; it logs through Logger("CostTracker")', async () => {
    const create = jest.spyOn(CostTracker, 'create');
    const clock = new VirtualClock(0);
    const store = new MemoryStore();
    await boot([ResilienceModule.forRoot({ clock, store }), ResilienceLlmModule.forRoot({ costs: {} })]);
    expect(create).toHaveBeenCalledTimes(1);
    const [options, deps] = create.mock.calls[0]!;
    expect(options).toEqual({});
    expect(deps).toMatchObject({ clock, store });
    expect(deps!.logger).toBeInstanceOf(Logger);
  });

  it('a threshold warning reaches the Nest log once; a refused call never reaches the provider', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // Worst case of a call: maxTokens × 6e-7 + input: 1024 → 0.00062 USD (fits), 2000 → 0.0012 (cannot).
    const ref = await boot(
      [
        ResilienceLlmModule.forRoot({
          costs: { budgets: [{ name: 'tiny', limitUsd: 0.001, warnAt: [0.001] }] },
          models: { gpt: gpt({ maxTokens: 1024 }) },
        }),
      ],
      [Meters],
    );
    const { tracker, gpt: model } = ref.get(Meters);
    const events: number[] = [];
    tracker.onWarning((w) => events.push(w.threshold));
    await ask(model);
    await tracker.settled();
    expect(events).toEqual([0.001]);
    const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("budget 'tiny'"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('reached 0.1%');
    // A call whose worst case does not fit: refused before any request.
    const before = server.received.length;
    const refused = await model
      .chat({ messages: [{ role: 'user', content: 'and now?' }], maxTokens: 2000 })
      .catch((e: unknown) => e);
    expect(isBudgetExceededError(refused)).toBe(true);
    expect(refused).toMatchObject({ budget: 'tiny', scope: 'global', limitUsd: 0.001, reservedUsd: 0 });
    expect(server.received.length).toBe(before);
  });

  it('forRootAsync({ costs: true }): the factory returns the options; a mismatch fails naming costs', async () => {
    const ref = await boot(
      [
        ResilienceLlmModule.forRootAsync({
          models: { gpt: {} },
          costs: true,
          useFactory: async () => ({ costs: { budgets: [{ name: 'daily', limitUsd: 2 }] }, models: { gpt: gpt() } }),
        }),
      ],
      [Meters],
    );
    const { tracker, gpt: model } = ref.get(Meters);
    expect((await ask(model)).cost?.usd).toBeGreaterThan(0);
    expect((await tracker.budgetStatus()).map((s) => s.budget)).toEqual(['daily']);

    const missing = await configError([ResilienceLlmModule.forRootAsync({ costs: true, useFactory: () => ({}) })]);
    expect(missing).toBeInstanceOf(ResilienceConfigError);
    expect(missing.path).toBe('costs');
    expect(missing.message).toContain('returned by the factory under costs');
    const undeclared = await configError([ResilienceLlmModule.forRootAsync({ useFactory: () => ({ costs: {} }) })]);
    expect([undeclared.path, undeclared.message]).toEqual(['costs', expect.stringContaining('costs: true')]);
    expect(() => ResilienceLlmModule.forRootAsync({ costs: 'yes' as never, useFactory: () => ({}) })).toThrow(
      expect.objectContaining({ path: 'ResilienceLlmModule.forRootAsync.costs' }),
    );
  });

  it.each([
    ['a budget limit', { budgets: [{ name: 'daily', limitUsd: -1 }] }, 'costs.budgets[0].limitUsd'],
    ['an unknown option', { budgtes: [] }, 'costs.budgtes'],
    ['not an object', 'cheap', 'costs'],
    ['a price', { prices: { 'my-llama': { input_cost_per_token: 'free' } } }, 'costs.prices.my-llama'],
  ])(
    'bad costs options (%s: %j) fail at bootstrap naming %s, with forRoot and forRootAsync',
    async (_what, costs, at) => {
      const a = await configError([ResilienceLlmModule.forRoot({ costs: costs as never })]);
      expect(a).toBeInstanceOf(ResilienceConfigError);
      expect(a.path.startsWith(at)).toBe(true);
      const b = await configError([
        ResilienceLlmModule.forRootAsync({ costs: true, useFactory: () => ({ costs: costs as never }) }),
      ]);
      expect(b.path.startsWith(at)).toBe(true);
    },
  );

  it('bad model options: costs other than false; an unpriced model under a budget; a second tracker', async () => {
    const instance = await configError([
      ResilienceLlmModule.forRoot({ costs: {}, models: { gpt: gpt({ costs: CostTracker.create() as never }) } }),
    ]);
    expect([instance.path, instance.value]).toEqual(['models.gpt.costs', '(an object)']);
    const unpriced = await configError([
      ResilienceLlmModule.forRoot({
        costs: { budgets: [{ name: 'daily', limitUsd: 1 }] },
        models: { gpt: gpt({ model: 'my-local-llama' }) },
      }),
    ]);
    expect([unpriced.path, unpriced.value]).toEqual(['models.gpt.model', 'my-local-llama']);
    // Priced through costs.prices, the same model boots.
    await boot([
      ResilienceLlmModule.forRoot({
        costs: {
          budgets: [{ name: 'daily', limitUsd: 1 }],
          prices: { 'my-local-llama': { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 } },
        },
        models: { gpt: gpt({ model: 'my-local-llama' }) },
      }),
    ]);
    release();
    const twice = await configError([
      ResilienceLlmModule.forRoot({ costs: {} }),
      ResilienceLlmModule.forRootAsync({ costs: true, useFactory: () => ({ costs: {} }) }),
    ]);
    expect(twice.path).toBe('costs');
    expect(twice.message).toContain('one ResilienceLlmModule.forRoot');
  });

  it('shutdown: the models close first, then the tracker: the call in flight is settled and its usage line written', async () => {
    const order: string[] = [];
    const written: UsageRecord[] = [];
    let model: IModel | undefined;
    const sink: UsageSink = {
      name: 'spec',
      write: (records) => void written.push(...records),
      close: () => void order.push(`sink closed, model closed: ${model?.snapshot().closed}`),
    };
    const ref = await boot(
      [
        ResilienceLlmModule.forRoot({
          costs: { budgets: [{ name: 'daily', limitUsd: 1 }], usageLog: { sinks: [sink] } },
          models: { gpt: gpt() },
        }),
      ],
      [Meters],
    );
    const tracker = ref.get(Meters).tracker;
    model = ref.get(Meters).gpt;
    const settle = jest.spyOn(tracker.budgets!, 'settle');
    server.enqueue({
      delayMs: 40,
      body: {
        id: 'chatcmpl-late',
        object: 'chat.completion',
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      },
    });
    const before = server.received.length;
    const inFlight = ask(model, 'finish me');
    while (server.received.length === before) await new Promise((r) => setTimeout(r, 2));
    await ref.close();
    release();
    expect((await inFlight).text).toBe('done');
    expect(order).toEqual(['sink closed, model closed: true']);
    expect(settle).toHaveBeenCalledTimes(1);
    expect(settle.mock.calls[0]![1]).toBe(10 * 150 + 2 * 600); // nano-USD at gpt-4o-mini's prices
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ modelName: 'gpt', status: 'completed', inputTokens: 10, outputTokens: 2 });
  });
});
