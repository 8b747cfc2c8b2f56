import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { VirtualClock } from '../../core/clock.js';
import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { isBudgetExceededError } from '../errors/budget-exceeded.error.js';
import { IModel } from '../imodel/imodel.js';
import { ModelRegistry } from '../imodel/imodel-registry.js';
import { startAnthropicServer } from '../testing-support/anthropic-server.js';
import { startGeminiServer } from '../testing-support/gemini-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import { openAIErrorReply, startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import type { UsageRecord, UsageSink } from '../usage/usage.types.js';
import { costOfUsage } from './call-cost.js';
import { CostTracker, type CostTrackerOptions } from './cost-tracker.js';

const CANARY = 'sk-canary-c0st-41d7';
const EXEC = { concurrencyLimit: 4, requestsRate: 1000, tokenCalibration: 'off' as const };
const PROMPT = 'Name three prime numbers, please.';

let openai: OpenAIServer;
let anthropic: LlmTestServer;
let gemini: LlmTestServer;
const open: (IModel | CostTracker)[] = [];

beforeAll(async () => {
  openai = await startOpenAIServer({ apiKey: CANARY, cachedTokens: 2 });
  anthropic = await startAnthropicServer({ cacheRead: 5, cacheWrite: 3 });
  gemini = await startGeminiServer({ apiKey: CANARY });
});
afterAll(async () => {
  for (const x of open.reverse()) await x.close();
  await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
});

/** A sink that keeps every record (and their JSON) in memory. */
function memorySink(): UsageSink & { records: UsageRecord[]; json(): string } {
  const records: UsageRecord[] = [];
  return {
    name: 'memory',
    records,
    write: (batch) => void records.push(...batch),
    json: () => JSON.stringify(records),
  };
}

let seq = 0;
function setup(provider: 'openai' | 'anthropic' | 'gemini', costs: CostTrackerOptions = {}, extra: object = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 11, 2, 12));
  const warnings: string[] = [];
  const sink = memorySink();
  const tracker = CostTracker.create(
    { ...costs, usageLog: { ...(costs.usageLog || {}), sinks: [sink] } },
    { clock, logger: { warn: (m) => warnings.push(m) } },
  );
  const baseUrl =
    provider === 'openai' ? openai.apiBaseUrl : provider === 'anthropic' ? anthropic.baseUrl : gemini.baseUrl;
  const model = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-4-5', gemini: 'gemini-2.5-flash' }[provider];
  const m = IModel.create(
    `cost-${provider}-${++seq}`,
    { provider, model, apiKey: CANARY, baseUrl, executor: EXEC, maxTokens: 64, costs: tracker, ...extra },
    { clock, registry: new ModelRegistry<IModel>() },
  );
  open.push(tracker, m);
  return { clock, tracker, model: m, sink, warnings };
}

describe('CostTracker on iModel calls', () => {
  it.each(['openai', 'anthropic', 'gemini'] as const)(
    '%s: the result carries the cost of its usage, and the usage log and summary count it',
    async (provider) => {
      const { tracker, model, sink } = setup(provider);
      const r = await model.chat({ messages: [{ role: 'user', content: PROMPT }] });
      expect(r.usage).toBeDefined();
      const expected = costOfUsage(
        r.usage!,
        tracker.prices.lookup(r.model, provider) ?? tracker.prices.lookup(model.model, provider)!,
      );
      expect(r.cost).toEqual(expected);
      expect(r.cost!.nanoUsd).toBeGreaterThan(0);
      await tracker.settled();
      expect(sink.records).toHaveLength(1);
      const rec = sink.records[0]!;
      expect(rec).toMatchObject({
        modelName: model.name,
        provider,
        status: 'completed',
        usageReported: true,
        inputTokens: r.usage!.inputTokens,
        outputTokens: r.usage!.outputTokens,
        cacheReadTokens: r.usage!.cacheReadTokens,
        costUsd: expected.usd,
        costEstimated: false,
        eventId: r.eventId,
      });
      if (r.requestId !== undefined) expect(rec.requestId).toBe(r.requestId);
      const day = tracker.getDailySummary();
      expect(day.calls).toBe(1);
      expect(day.costUsd).toBe(expected.usd);
      expect(sink.json()).not.toContain(CANARY);
      expect(sink.json()).not.toContain(PROMPT);
    },
  );

  it('a stream is priced from the usage the stream reported', async () => {
    const { tracker, model, sink } = setup('anthropic');
    const s = model.stream({ messages: [{ role: 'user', content: PROMPT }] });
    let text = '';
    for await (const d of s) text += d.text;
    const r = await s.result();
    expect(text).toBe(r.text);
    expect(r.cost).toEqual(costOfUsage(r.usage!, tracker.prices.lookup(model.model, 'anthropic')!));
    await tracker.settled();
    expect(sink.records[0]).toMatchObject({ status: 'completed', costUsd: r.cost!.usd, usageReported: true });
  });

  it('a budget refuses a call whose worst case does not fit: typed error, the provider never sees it', async () => {
    const { tracker, model, sink } = setup('openai', {
      budgets: [{ name: 'tiny', limitUsd: 0.000_001, window: 'day' }],
    });
    const before = openai.received.length;
    const e = await model.chat({ messages: [{ role: 'user', content: PROMPT }] }).catch((x: unknown) => x);
    expect(isBudgetExceededError(e)).toBe(true);
    expect(e).toMatchObject({ budget: 'tiny', scope: 'global', spentUsd: 0, reservedUsd: 0 });
    expect(openai.received.length).toBe(before);
    await tracker.settled();
    expect(sink.records[0]).toMatchObject({ status: 'refused', costUsd: 0, errorType: 'BudgetExceededError' });
  });

  it('concurrent calls reserve their worst case at dispatch: with room for two worst cases, the third is refused', async () => {
    const { tracker, model } = setup('openai', { budgets: [{ name: 'two', limitUsd: 1, window: 'day' }] });
    // Worst case: the estimate + 64 output tokens at gpt-4o-mini's prices; set the limit to 2.5 of them.
    const price = tracker.prices.lookup('gpt-4o-mini', 'openai')!;
    const probe = await model.chat({ messages: [{ role: 'user', content: PROMPT }] });
    const worstUsd = (probe.estimatedTokens - 64) * price.input_cost_per_token + 64 * price.output_cost_per_token;
    const { tracker: t2, model: m2 } = setup('openai', {
      budgets: [{ name: 'two-and-a-half', limitUsd: worstUsd * 2.5, window: 'day' }],
    });
    const before = openai.received.length;
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => m2.chat({ messages: [{ role: 'user', content: PROMPT }] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(isBudgetExceededError((refused[0] as PromiseRejectedResult).reason)).toBe(true);
    expect(openai.received.length - before).toBe(2);
    await t2.settled();
    const [status] = await t2.budgetStatus();
    const paid = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.cost!.nanoUsd] : []));
    expect(Math.round(status!.spentUsd * 1e9)).toBe(paid[0]! + paid[1]!);
    expect(status!.reservedUsd).toBe(0);
  });

  it('settlement: an error the provider answered costs 0; a timeout (maybe billed) costs the reserved worst case', async () => {
    const { clock, tracker, model, sink } = setup(
      'openai',
      { budgets: [{ name: 'day', limitUsd: 10, window: 'day' }] },
      { timeoutMs: 1_000 },
    );
    openai.enqueue(openAIErrorReply(400, { message: 'bad request', type: 'invalid_request_error' }));
    await expect(model.chat({ messages: [{ role: 'user', content: PROMPT }] })).rejects.toMatchObject({ status: 400 });
    await tracker.settled();
    let [status] = await tracker.budgetStatus();
    expect(status!.spentUsd).toBe(0);
    expect(sink.records[0]).toMatchObject({ status: 'failed', costUsd: 0, costEstimated: false });

    openai.enqueue({ kind: 'hang' });
    const before = openai.received.length;
    const pending = model.chat({ messages: [{ role: 'user', content: PROMPT }] }).catch((x: unknown) => x);
    // The timeout is of a request the provider received (maybe billed): time moves once it arrived.
    await waitFor(() => openai.received.length > before);
    expect(openai.received.length).toBe(before + 1);
    for (let i = 0; i < 20 && sink.records.length < 2; i++) {
      await clock.advance(200);
      await tracker.settled();
    }
    const e = await pending;
    expect(e).toMatchObject({ name: 'UpstreamTimeoutError' });
    await tracker.settled();
    [status] = await tracker.budgetStatus();
    const rec = sink.records[1]!;
    expect(rec).toMatchObject({ status: 'failed', costEstimated: true });
    expect(rec.costUsd).toBeGreaterThan(0);
    expect(status!.spentUsd).toBeCloseTo(rec.costUsd!, 12);
    expect(status!.reservedUsd).toBe(0);
  });

  it('a model without a price: fails at create when a budget may apply; else one warning and cost null', async () => {
    const clock = new VirtualClock(0);
    const withBudget = CostTracker.create({ budgets: [{ name: 'b', limitUsd: 1 }] }, { clock });
    open.push(withBudget);
    let e: unknown;
    try {
      IModel.create('unpriced', {
        provider: 'openai',
        model: 'my-finetune-x',
        apiKey: CANARY,
        baseUrl: openai.apiBaseUrl,
        executor: EXEC,
        costs: withBudget,
      });
    } catch (x) {
      e = x;
    }
    expect(isResilienceConfigError(e)).toBe(true);
    expect(String((e as Error).message)).toContain('models.unpriced.model');

    const { model, warnings, sink, tracker } = setup('openai', {}, { model: 'my-finetune-y' });
    const r1 = await model.chat({ messages: [{ role: 'user', content: PROMPT }] });
    await model.chat({ messages: [{ role: 'user', content: PROMPT }] });
    expect(r1.cost).toBeNull();
    expect(warnings.filter((w) => w.includes('my-finetune-y'))).toHaveLength(1);
    await tracker.settled();
    expect(sink.records.map((r) => r.costUsd)).toEqual([null, null]);
  });

  it('budgetKey scopes the call and lands in the record, never in the request; text only with includeText', async () => {
    const { tracker, model, sink } = setup('openai', {
      budgets: [{ name: 'tenant', scope: 'key', limitUsd: 5 }],
      usageLog: { includeText: true },
    });
    const before = openai.received.length;
    const r = await model.chat({ messages: [{ role: 'user', content: PROMPT }], budgetKey: 'tenant-42' });
    expect(openai.received[before]!.rawBody).not.toContain('tenant-42');
    await tracker.settled();
    const [status] = await tracker.budgetStatus({ key: 'tenant-42' });
    expect(status).toMatchObject({ budget: 'tenant', scopeValue: 'tenant-42' });
    expect(Math.round(status!.spentUsd * 1e9)).toBe(r.cost!.nanoUsd);
    expect(sink.records[0]).toMatchObject({ scope: 'tenant-42', prompt: PROMPT, completion: r.text });
    const day = tracker.getDailySummary();
    expect(day.byScope['tenant-42']?.calls).toBe(1);
  });

  it('invoke and acompletion are metered too', async () => {
    const { tracker, model, sink } = setup('openai');
    await model.acompletion(PROMPT).result();
    await model.invoke({ messages: [{ role: 'user', content: PROMPT }], max_tokens: 16 }).result();
    await tracker.settled();
    expect(sink.records.map((r) => [r.status, r.usageReported])).toEqual([
      ['completed', true],
      ['completed', true],
    ]);
    expect(sink.records.every((r) => (r.costUsd ?? 0) > 0)).toBe(true);
  });
});
