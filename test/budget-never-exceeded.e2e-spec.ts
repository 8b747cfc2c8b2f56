import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CostTracker,
  IModel,
  ModelRegistry,
  costOfUsage,
  isBudgetExceededError,
  worstCaseNanoUsd,
  type ModelPrice,
} from 'nest-resilience/llm';
import { startCountingServer, type CountingServer } from './budget/counting-openai-server.js';

// Exactness: the estimator returns exactly the prompt tokens the server reports (PROMPT_TOKENS),
// and the server answers exactly max_tokens output tokens, so a call's worst case (estimated input
// + max_tokens at the model's price) equals its actual cost; the prices are whole nano-USD per
// token, so both are integers and the budget's limit is exactly N worst cases.
const MODEL = 'budget-e2e-model';
const PRICE: ModelPrice = { input_cost_per_token: 1e-7, output_cost_per_token: 2e-7 }; // 100 / 200 nano-USD
const PROMPT_TOKENS = 11;
const MAX_TOKENS = 40;
const CALLS = 200;
const N = 37;
const estimator = { estimateInput: () => PROMPT_TOKENS };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

function setup(server: CountingServer, limitNano: number) {
  const costs = CostTracker.create({
    prices: { [MODEL]: PRICE },
    builtInPrices: false,
    usageLog: false,
    budgets: [{ name: 'global-e2e', limitUsd: limitNano / 1e9, window: 'day' }],
  });
  const model = IModel.create(
    'budget-e2e',
    {
      provider: 'openai',
      model: MODEL,
      apiKey: 'sk-test-budget',
      baseUrl: server.apiBaseUrl,
      maxTokens: MAX_TOKENS,
      estimator,
      executor: { concurrencyLimit: 50, requestsRate: 100_000, tokenCalibration: 'off' },
      costs,
    },
    { registry: new ModelRegistry<IModel>() },
  );
  open.push(costs, model);
  return { costs, model };
}

async function fire(model: IModel) {
  return Promise.allSettled(
    Array.from({ length: CALLS }, (_, i) => model.chat({ messages: [{ role: 'user', content: `call ${i}` }] })),
  );
}

const WORST = worstCaseNanoUsd(PROMPT_TOKENS, MAX_TOKENS, PRICE);

describe('a budget is never exceeded (memory store, one process, 200 concurrent calls)', () => {
  it('worst case equals actual cost, in integer nano-USD (precondition of exactness)', () => {
    const actual = costOfUsage(
      { inputTokens: PROMPT_TOKENS, outputTokens: MAX_TOKENS, cacheReadTokens: 0, cacheWriteTokens: 0 } as never,
      PRICE,
    );
    expect(WORST).toBe(PROMPT_TOKENS * 100 + MAX_TOKENS * 200);
    expect(actual.nanoUsd).toBe(WORST);
  });

  it(`admits exactly ${N}: the provider sees ${N}, the other ${CALLS - N} get BudgetExceededError, spent = Σ actual`, async () => {
    const server = await startCountingServer({ promptTokens: PROMPT_TOKENS, outputTokens: (max) => max });
    open.push(server);
    const limitNano = N * WORST;
    const { costs, model } = setup(server, limitNano);
    const results = await fire(model);

    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(server.requests()).toBe(N);
    expect(ok).toHaveLength(N);
    expect(refused).toHaveLength(CALLS - N);
    for (const r of refused) {
      const e = (r as PromiseRejectedResult).reason;
      expect(isBudgetExceededError(e)).toBe(true);
      expect(e).toMatchObject({ budget: 'global-e2e', limitUsd: limitNano / 1e9 });
      expect(typeof e.spentUsd).toBe('number');
      expect(typeof e.reservedUsd).toBe('number');
      expect(e.spentUsd + e.reservedUsd + WORST / 1e9).toBeGreaterThan(limitNano / 1e9);
      expect(Number.isNaN(Date.parse(e.resetsAt))).toBe(false);
    }
    const sum = ok.reduce(
      (n, r) => n + (r as PromiseFulfilledResult<{ cost?: { nanoUsd: number } | null }>).value.cost!.nanoUsd,
      0,
    );
    expect(sum).toBe(limitNano);

    await costs.settled();
    const [status] = await costs.budgetStatus();
    expect(status).toMatchObject({ budget: 'global-e2e', reservedUsd: 0 });
    expect(Math.round(status!.spentUsd * 1e9)).toBe(sum);
    expect(status!.remainingUsd).toBeCloseTo(0, 12);
  });

  it('actual < worst case: never more admitted than the limit allows; spent ≤ limit and = Σ actual', async () => {
    const actualOut = MAX_TOKENS / 4;
    const server = await startCountingServer({ promptTokens: PROMPT_TOKENS, outputTokens: () => actualOut });
    open.push(server);
    const actualNano = PROMPT_TOKENS * 100 + actualOut * 200;
    const limitNano = N * WORST;
    const { costs, model } = setup(server, limitNano);
    const results = await fire(model);

    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(ok.length + refused.length).toBe(CALLS);
    expect(server.requests()).toBe(ok.length);
    // Every admission reserved a worst case while spent + reserved stayed ≤ limit, so at least
    // floor(limit / worst) calls get in, and since each settles to `actualNano`, at most
    // floor(limit / actual) (the final spend can never exceed the limit).
    expect(ok.length).toBeGreaterThanOrEqual(Math.floor(limitNano / WORST));
    expect(ok.length * actualNano).toBeLessThanOrEqual(limitNano);
    for (const r of refused) expect(isBudgetExceededError((r as PromiseRejectedResult).reason)).toBe(true);
    const sum = ok.reduce(
      (n, r) => n + (r as PromiseFulfilledResult<{ cost?: { nanoUsd: number } | null }>).value.cost!.nanoUsd,
      0,
    );
    expect(sum).toBe(ok.length * actualNano);

    await costs.settled();
    const [status] = await costs.budgetStatus();
    expect(status!.reservedUsd).toBe(0);
    expect(Math.round(status!.spentUsd * 1e9)).toBe(sum);
    expect(Math.round(status!.spentUsd * 1e9)).toBeLessThanOrEqual(limitNano);
  });
});
