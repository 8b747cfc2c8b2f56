import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { SampleModule } from '../apps/sample/src/sample.module.js';
import { askOverHttp, formatSummary, runBatch } from '../apps/sample/src/batch/batch-run.js';
import { startSimulatedOpenAI } from '../apps/sample/src/llm-sim/simulated-openai.server.js';

// Offline: no provider key in this env, so the sample starts its simulated OpenAI-compatible
// server (100 requests / 100 000 tokens per second here, answers in 5–15 ms).
const ENV = { SIM_LLM_REQUESTS: '100', SIM_LLM_TOKENS: '100000', SIM_LLM_WINDOW_MS: '1000' };

let app: INestApplication;
let url: string;

beforeAll(async () => {
  const ref = await Test.createTestingModule({
    imports: [SampleModule.register({ env: ENV, ask: { simulator: { latencyMs: { min: 5, max: 15 } } } })],
  }).compile();
  app = ref.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
});

afterAll(async () => {
  await app?.close();
});

describe('POST /ask (offline, simulated provider)', () => {
  it('answers through the iModel with text, usage, model and latency', async () => {
    const res = await request(app.getHttpServer()).post('/ask').send({ prompt: 'What is a circuit breaker?' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'openai', lane: 'interactive', simulated: true, finishReason: 'stop' });
    expect(res.body.text).toContain('[simulated]');
    expect(res.body.text).toContain('What is a circuit breaker?');
    expect(res.body.usage.inputTokens).toBeGreaterThan(0);
    expect(res.body.usage.outputTokens).toBeGreaterThan(0);
    expect(res.body.model).toContain('gpt-4o-mini');
    expect(typeof res.body.latencyMs).toBe('number');
  });

  it('refuses a bad body with a 400 naming the field', async () => {
    const server = app.getHttpServer();
    expect((await request(server).post('/ask').send({})).status).toBe(400);
    const lane = await request(server).post('/ask').send({ prompt: 'x', lane: 'vip' });
    expect(lane.status).toBe(400);
    expect(JSON.stringify(lane.body)).toContain('lane');
  });

  it('a batch of 200 in lane batch runs on the same executor and server while /ask calls still succeed, no 429', async () => {
    const server = app.getHttpServer();
    const before = (await request(server).get('/ask/stats')).body;
    expect(before.executor).toMatchObject({ name: 'llm', running: true });
    const batch = runBatch({ count: 200, concurrency: 100, maxSeconds: 60, probeEveryMs: 0, ask: askOverHttp(url) });
    // Interactive calls while the batch runs (its prompts wait in the batch lane).
    const interactive: { status: number; latencyMs: number; waitedMs: number }[] = [];
    let batchDone = false;
    void batch.then(() => (batchDone = true));
    for (let i = 0; i < 50 && (!batchDone || interactive.length < 5); i++) {
      const t0 = performance.now();
      const res = await request(server)
        .post('/ask')
        .send({ prompt: `interactive ${i}` });
      interactive.push({ status: res.status, latencyMs: res.body.latencyMs, waitedMs: performance.now() - t0 });
    }
    const summary = await batch;
    const after = (await request(server).get('/ask/stats')).body;
    console.log(
      [
        ...formatSummary(summary),
        `  /ask during the batch: ${interactive.length} calls, waited ${interactive.map((c) => c.waitedMs.toFixed(0)).join(', ')} ms`,
        `  simulator: ${after.simulator.requests - before.simulator.requests} requests, ${after.simulator.rateLimited - before.simulator.rateLimited} answered 429`,
      ].join('\n'),
    );
    expect(summary).toMatchObject({ done: 200, failed: 0, cancelled: 0, rateLimitedSeen: 0 });
    expect(summary.inputTokens).toBeGreaterThan(0);
    expect(interactive.length).toBeGreaterThanOrEqual(5);
    expect(interactive.every((c) => c.status === 200)).toBe(true);
    // Every call, batch and interactive, reached the one simulated server.
    expect(after.simulator.ok - before.simulator.ok).toBeGreaterThanOrEqual(200 + interactive.length);
  });
});

describe('POST /ask with a provider key in the environment', () => {
  it('calls that provider with the key; a refused key answers 502 without the key anywhere', async () => {
    const CANARY = 'sk-canary-7f3a9e';
    // An OpenAI-compatible server expecting another key: every call gets a 401.
    const provider = await startSimulatedOpenAI({ apiKey: 'sk-the-right-one', latencyMs: { min: 0, max: 0 } });
    const logs: string[] = [];
    const logger = {
      log: (m: unknown) => logs.push(String(m)),
      warn: (m: unknown) => logs.push(String(m)),
      error: (m: unknown) => logs.push(String(m)),
    };
    const ref = await Test.createTestingModule({
      imports: [SampleModule.register({ env: { OPENAI_API_KEY: CANARY, LLM_BASE_URL: provider.url } })],
    }).compile();
    const keyed = ref.createNestApplication({ logger });
    await keyed.init();
    try {
      const res = await request(keyed.getHttpServer()).post('/ask').send({ prompt: 'hi' });
      expect(res.status).toBe(502);
      expect(provider.stats().unauthorized).toBe(1);
      const stats = await request(keyed.getHttpServer()).get('/ask/stats');
      expect(stats.body).toMatchObject({ provider: 'openai', simulated: false });
      for (const text of [JSON.stringify(res.body), JSON.stringify(res.headers), JSON.stringify(stats.body), ...logs])
        expect(text).not.toContain(CANARY);
    } finally {
      await keyed.close();
      await provider.close();
    }
  });
});
