import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { flushMicrotasks, VirtualClock } from '../../core/clock.js';
import { ResilienceModule } from '../../nest/resilience.module.js';
import type { IModel } from '../imodel/imodel.js';
import { startOpenAIServer, type OpenAIServer } from '../testing-support/openai-server.js';
import { getIModelToken } from './imodel.tokens.js';
import { ResilienceLlmModule } from './resilience-llm.module.js';

let server: OpenAIServer;
beforeAll(async () => {
  server = await startOpenAIServer();
});
afterAll(() => server.close());

async function bootWith(clock: VirtualClock, shutdownTimeoutMs: number) {
  @Module({
    imports: [
      ResilienceModule.forRoot({ clock }),
      ResilienceLlmModule.forRoot({
        shutdownTimeoutMs,
        models: {
          gpt: {
            provider: 'openai',
            model: 'gpt-4o-mini',
            apiKey: 'sk-test',
            baseUrl: server.apiBaseUrl,
            executor: { concurrencyLimit: 1, requestsRate: 100 },
          },
        },
      }),
    ],
  })
  class AppModule {}
  const app = await Test.createTestingModule({ imports: [AppModule] }).compile();
  app.useLogger(false);
  await app.init();
  return { app, model: app.get<IModel>(getIModelToken('gpt')) };
}

/** Waits (bounded) until the server has received `n` requests. */
async function receivedAtLeast(n: number): Promise<void> {
  for (let i = 0; i < 200 && server.received.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  expect(server.received.length).toBeGreaterThanOrEqual(n);
}

describe('ResilienceLlmModule shutdown', () => {
  it('drains a model’s own executor: a running call finishes, later calls are refused', async () => {
    const clock = new VirtualClock(0);
    const { app, model } = await bootWith(clock, 30_000);
    server.enqueue({ status: 200, body: okBody('slow'), delayMs: 50 });
    const before = server.received.length;
    const running = model.chat({ messages: [{ role: 'user', content: 'x' }] });
    await receivedAtLeast(before + 1);
    await app.close();
    await expect(running).resolves.toMatchObject({ text: 'slow' });
    await expect(model.chat({ messages: [{ role: 'user', content: 'late' }] })).rejects.toThrow();
    expect(model.snapshot().closed).toBe(true);
  });

  it('past shutdownTimeoutMs (on the module clock) a hung call is cancelled and the shutdown goes on', async () => {
    const clock = new VirtualClock(0);
    const { app, model } = await bootWith(clock, 5_000);
    server.enqueue({ kind: 'hang' });
    const before = server.received.length;
    const hung = model.chat({ messages: [{ role: 'user', content: 'x' }] }).then(
      () => 'resolved',
      () => 'rejected',
    );
    await receivedAtLeast(before + 1);
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await flushMicrotasks();
    await clock.advance(4_999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    await expect(hung).resolves.toBe('rejected');
    expect(model.executor.snapshot().running).toBe(false);
  });
});

function okBody(content: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-x',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  };
}
