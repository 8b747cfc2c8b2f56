import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { Executor } from '../../executor/executor.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { isUpstreamServerError } from '../../http/errors/status.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import { sseFrame } from '../testing-support/llm-test-server.js';
import {
  openAIRateLimited,
  openAIServerError,
  openAIStreamError,
  openAIStreamSteps,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import { lastCallError, runWithCallOptions } from './call-context.js';
import { ModelTransport } from './model-transport.js';
import { isStreamInterruptedError } from './stream-interrupted.error.js';

const KEY = 'sk-canary-7f3a9e';
const OVERLOADED = { message: 'Overloaded', type: 'server_error', param: null, code: '503' };

let server: OpenAIServer;
let events: NetworkRequestEvent[];
let client: OpenAI;
let transport: ModelTransport;

beforeEach(async () => {
  server = await startOpenAIServer({ apiKey: KEY });
  const executor = Executor.create('sdk', {
    concurrencyLimit: 4,
    requestsRate: 1000,
    retry: { maxRetries: 2, baseDelayMs: 1 },
  });
  events = [];
  executor.onStatus((c) => {
    if (!events.includes(c.event)) events.push(c.event);
  });
  transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000 });
  client = new OpenAI({ apiKey: KEY, baseURL: server.apiBaseUrl, maxRetries: 0, fetch: transport.asFetch() });
});
afterEach(async () => {
  await server.close();
});

const messages = [{ role: 'user' as const, content: 'hello sdk' }];

function expectNoKey(...values: unknown[]): void {
  for (const v of values) {
    expect(JSON.stringify(v)).not.toContain(KEY);
    expect(String(v)).not.toContain(KEY);
    const stack = (v as { stack?: unknown } | undefined)?.stack;
    if (typeof stack === 'string') expect(stack).not.toContain(KEY);
  }
}

describe('ModelTransport.asFetch with the OpenAI SDK', () => {
  it('one SDK call is one executor event with the call options; the usage reconciles the reservation', async () => {
    const completion = await runWithCallOptions({ tokens: 900, metadata: { job: 7 } }, () =>
      client.chat.completions.create({ model: 'gpt-4o-mini', messages }),
    );
    expect(completion.choices[0]!.message.content).toBe('echo: hello sdk');
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev.tokens).toBe(900);
    expect(ev.metadata).toEqual({ job: 7 });
    expect(ev.actualTokens).toBe(completion.usage!.total_tokens);
    expect(ev.responseStatus).toBe(200);
    expectNoKey(ev);
  });

  it('without call options: no reservation, the default lane', async () => {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(events[0]!.tokens).toBe(0);
    expect(events[0]!.lane).toBe('default');
  });

  it('the executor retries a 429 under the SDK (its own retries off): two server hits, one SDK call', async () => {
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    expect(completion.choices[0]!.message.content).toBe('echo: hello sdk');
    expect(server.received).toHaveLength(2);
    expect(events).toHaveLength(1);
    expect(events[0]!.attempts).toBe(2);
  });

  it('a final typed error fails the SDK call and stays readable with lastCallError()', async () => {
    server.enqueue(openAIServerError(500));
    const { sdkError, typed } = await runWithCallOptions({ tokens: 10 }, async () => {
      try {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
        return { sdkError: undefined, typed: undefined };
      } catch (error) {
        return { sdkError: error, typed: lastCallError() };
      }
    });
    expect(sdkError).toBeDefined();
    expect(isUpstreamServerError(typed)).toBe(true);
    expect(server.received).toHaveLength(1);
    expectNoKey(typed, events[0]);
  });

  it('streams through the SDK; the transport reads the usage from the tapped stream', async () => {
    const stream = await runWithCallOptions({ tokens: 700 }, () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) total = chunk.usage.total_tokens;
    }
    expect(text).toBe('echo: hello sdk');
    const ev = events[0]!;
    await ev.result();
    expect(total).toBeDefined();
    expect(ev.actualTokens).toBe(total);
    expect(ev.tokens).toBe(700);
  });

  it('an error event before the first delta is retried under the SDK (server hit twice)', async () => {
    server.enqueue(openAIStreamError([], OVERLOADED));
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('echo: hello sdk');
    expect(server.received).toHaveLength(2);
  });

  it('a failure after the first delta fails the SDK iteration; lastCallError() is a StreamInterruptedError', async () => {
    server.enqueue(openAIStreamError(['partial'], OVERLOADED));
    const out = await runWithCallOptions({ tokens: 10 }, async () => {
      let text = '';
      try {
        const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        return { text, error: undefined, typed: undefined };
      } catch (error) {
        return { text, error, typed: lastCallError() };
      }
    });
    expect(out.error).toBeDefined();
    expect(isStreamInterruptedError(out.typed)).toBe(true);
    expect(server.received).toHaveLength(1);
    expectNoKey(out.typed, events[0]);
  });

  it("breaking out of the SDK's stream cancels the event and closes the stream's connection", async () => {
    const socketClosed: boolean[] = [];
    const hang = http.createServer((req, res) => {
      const i = socketClosed.push(false) - 1;
      req.socket.on('close', () => (socketClosed[i] = true));
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const step of openAIStreamSteps({ deltas: ['x'] }).slice(0, 2))
          res.write(sseFrame(step as { data: string }));
      });
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const port = (hang.address() as AddressInfo).port;
      const sdk = new OpenAI({
        apiKey: KEY,
        baseURL: `http://127.0.0.1:${port}/v1`,
        maxRetries: 0,
        fetch: transport.asFetch(),
      });
      const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      for await (const chunk of stream) {
        expect(chunk.choices[0]?.delta?.content).toBe('');
        break;
      }
      await waitFor(() => socketClosed[0] === true);
      expect(events[0]!.status).toBe('CANCELLED');
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });
});
