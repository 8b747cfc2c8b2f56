import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { VirtualClock } from '../../core/clock.js';
import { Executor } from '../../executor/executor.js';
import { isBudgetExceededError } from '../errors/budget-exceeded.error.js';
import { OpenAIAdapter } from '../sdk/openai.adapter.js';
import { openAIUsage } from '../providers/openai/openai-usage.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import type { UsageRecord } from '../usage/usage.types.js';
import { costOfUsage } from './call-cost.js';
import { CostTracker } from './cost-tracker.js';

const CANARY = 'sk-canary-sdk-c0st-9911';
let server: OpenAIServer;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: CANARY });
});
afterAll(async () => {
  for (const c of closing.reverse()) await c.close();
  await server.close();
});

function setup(budgetUsd?: number) {
  const clock = new VirtualClock(Date.UTC(2026, 11, 2, 9));
  const records: UsageRecord[] = [];
  const costs = CostTracker.create(
    {
      usageLog: { sinks: [{ name: 'mem', write: (b) => void records.push(...b) }] },
      ...(budgetUsd !== undefined ? { budgets: [{ name: 'sdk-day', limitUsd: budgetUsd }] } : {}),
    },
    { clock },
  );
  const executor = Executor.create('sdk-costs', { concurrencyLimit: 2, requestsRate: 1000 }, { clock });
  const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl, timeoutMs: 5000, costs });
  closing.push(costs, { close: () => executor.stop() }, adapter);
  return { costs, adapter, records };
}

const params = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 32 };

describe('CostTracker on SDK adapter calls', () => {
  it('a call through the official SDK is priced, settled and logged for the model its params name', async () => {
    const { costs, adapter, records } = setup(1);
    const r = await adapter.call<ChatCompletion>('chat.completions.create', params, { budgetKey: 'team-a' });
    await costs.settled();
    const expected = costOfUsage(openAIUsage(r.usage)!, costs.prices.lookup('gpt-4o-mini', 'openai')!);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      model: 'gpt-4o-mini',
      status: 'completed',
      costUsd: expected.usd,
      scope: 'team-a',
    });
    const [status] = await costs.budgetStatus();
    expect(Math.round(status!.spentUsd * 1e9)).toBe(expected.nanoUsd);
    expect(JSON.stringify(records)).not.toContain(CANARY);
  });

  it('a budget too small for the worst case refuses the SDK call before it reaches the server', async () => {
    const { costs, adapter, records } = setup(0.000_000_5);
    const before = server.received.length;
    const e = await adapter.call('chat.completions.create', params).catch((x: unknown) => x);
    expect(isBudgetExceededError(e)).toBe(true);
    expect(server.received.length).toBe(before);
    await costs.settled();
    expect(records[0]).toMatchObject({ status: 'refused' });
  });
});
