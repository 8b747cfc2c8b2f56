import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { BUILT_IN_PRICES, CostTracker } from 'nest-resilience/llm';
import { SampleModule } from '../apps/sample/src/sample.module.js';

// Offline: no provider key in this env, so the sample starts its simulated OpenAI-compatible
// server, which answers as gpt-4o-mini: the built-in price table prices every call.
const ENV = { SIM_LLM_REQUESTS: '100', SIM_LLM_TOKENS: '100000', SIM_LLM_WINDOW_MS: '1000' };
const PRICE = BUILT_IN_PRICES['gpt-4o-mini']!;
const costOf = (u: { inputTokens: number; outputTokens: number }) =>
  u.inputTokens * PRICE.input_cost_per_token + u.outputTokens * PRICE.output_cost_per_token;

interface Sample {
  app: INestApplication;
  logs: string[];
  close(): Promise<void>;
}

async function startSample(env: Record<string, string>): Promise<Sample> {
  const logs: string[] = [];
  const capture = (m: unknown, ctx?: unknown) => void logs.push(`${String(ctx ?? '')}: ${String(m)}`);
  const ref = await Test.createTestingModule({
    imports: [SampleModule.register({ env, ask: { simulator: { latencyMs: { min: 2, max: 5 } } } })],
  }).compile();
  const app = ref.createNestApplication({ logger: { log: capture, warn: capture, error: capture } });
  await app.init();
  return { app, logs, close: () => app.close() };
}

const today = () => new Date().toISOString().slice(0, 10);
const nextUtcMidnight = () => {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
};

describe('GET /usage (offline, simulated provider)', () => {
  let sample: Sample;
  beforeAll(async () => {
    sample = await startSample(ENV);
  });
  afterAll(() => sample?.close());

  it("after a few /ask calls: today's calls, tokens and cost, matching the price table, and the budget's window", async () => {
    const server = sample.app.getHttpServer();
    const answers: { inputTokens: number; outputTokens: number; costUsd: number }[] = [];
    for (const prompt of ['What is a budget?', 'Why 80%?', 'And a refusal?']) {
      const res = await request(server).post('/ask').send({ prompt });
      expect(res.status).toBe(200);
      answers.push({ ...res.body.usage, costUsd: res.body.costUsd });
    }
    for (const a of answers) expect(a.costUsd).toBeCloseTo(costOf(a), 12);
    await sample.app.get(CostTracker).settled();
    const res = await request(server).get('/usage');
    expect(res.status).toBe(200);
    const sum = (k: 'inputTokens' | 'outputTokens') => answers.reduce((n, a) => n + a[k], 0);
    const cost = answers.reduce((n, a) => n + costOf(a), 0);
    expect(res.body.today).toMatchObject({
      from: today(),
      to: today(),
      calls: 3,
      failed: 0,
      inputTokens: sum('inputTokens'),
      outputTokens: sum('outputTokens'),
      unpricedCalls: 0,
    });
    expect(res.body.today.costUsd).toBeGreaterThan(0);
    expect(res.body.today.costUsd).toBeCloseTo(cost, 12);
    expect(res.body.today.byModel['gpt-4o-mini']).toMatchObject({ calls: 3 });
    expect(res.body.today.byProvider.openai).toMatchObject({ calls: 3 });
    expect(res.body.budgets).toHaveLength(1);
    const [daily] = res.body.budgets;
    expect(daily).toMatchObject({
      budget: 'sample-daily',
      scope: 'global',
      limitUsd: 1,
      reservedUsd: 0,
      windowId: today(),
    });
    expect(daily.spentUsd).toBeCloseTo(cost, 12);
    expect(daily.remainingUsd).toBeCloseTo(1 - cost, 12);
    expect(new Date(daily.resetsAt).getTime()).toBe(nextUtcMidnight());
  });
});

describe('a small daily budget (SAMPLE_DAILY_BUDGET_USD=0.0005)', () => {
  it('warns at 80% in the log, then refuses with 402 and the BudgetExceededError fields; the simulator saw no refused call', async () => {
    const sample = await startSample({ ...ENV, SAMPLE_DAILY_BUDGET_USD: '0.0005' });
    try {
      const server = sample.app.getHttpServer();
      const simRequests = async () => (await request(server).get('/ask/stats')).body.simulator.requests as number;
      const before = await simRequests();
      let ok = 0;
      let refused: request.Response | undefined;
      // A call reserves its worst case (96 output tokens: about 0.00006 USD) and settles to its
      // actual cost (about half): some 15 calls fit, the 80% line is crossed on the way.
      for (let i = 0; i < 60 && refused === undefined; i++) {
        const res = await request(server)
          .post('/ask')
          .send({ prompt: `Question ${i}: what does a budget do?` });
        if (res.status === 200) ok++;
        else refused = res;
      }
      expect(ok).toBeGreaterThan(5);
      expect(refused?.status).toBe(402);
      const body = refused!.body;
      expect(body).toMatchObject({
        statusCode: 402,
        error: 'Payment Required',
        budget: 'sample-daily',
        scope: 'global',
        scopeValue: null,
        limitUsd: 0.0005,
        windowId: today(),
      });
      expect(body.message).toContain("Budget 'sample-daily' (global) exceeded in window");
      expect(body.requestedUsd).toBeGreaterThan(0);
      expect(body.spentUsd + body.reservedUsd + body.requestedUsd).toBeGreaterThan(body.limitUsd);
      expect(body.spentUsd).toBeGreaterThanOrEqual(0.8 * 0.0005);
      expect(new Date(body.resetsAt).getTime()).toBe(nextUtcMidnight());
      expect(body.retryAfterMs).toBeGreaterThan(0);
      expect(Number(refused!.headers['retry-after'])).toBe(Math.ceil(body.retryAfterMs / 1000));

      // Refused calls never reach the provider: the simulator counted the answered ones only.
      for (let i = 0; i < 3; i++)
        expect((await request(server).post('/ask').send({ prompt: 'more?' })).status).toBe(402);
      expect((await simRequests()) - before).toBe(ok);

      await sample.app.get(CostTracker).settled();
      const warnings = sample.logs.filter((l) => l.startsWith('CostTracker:') && l.includes("budget 'sample-daily'"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('reached 80%');
      const usage = (await request(server).get('/usage')).body;
      expect(usage.today).toMatchObject({ calls: ok + 4, failed: 4 });
      expect(usage.budgets[0].spentUsd).toBeCloseTo(usage.today.costUsd, 12);
      expect(usage.budgets[0].spentUsd).toBeLessThanOrEqual(0.0005);
    } finally {
      await sample.close();
    }
  });
});
