import type { Stream } from 'openai/streaming';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { VirtualClock } from '../../core/clock.js';
import { CircuitBreakerPolicy } from '../../core/circuit-breaker/circuit-breaker.policy.js';
import { isCircuitBreakerOpenError } from '../../core/errors/circuit-breaker-open.error.js';
import { isResilienceConfigError } from '../../core/errors/config.error.js';
import { isRateLimiterRejectedError } from '../../core/errors/rate-limiter-rejected.error.js';
import { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { isTerminalStatus } from '../../executor/request-status.js';
import { isUpstreamRateLimitError } from '../../http/errors/status.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import {
  openAIInvalidKey,
  openAIPromptTokens,
  openAIRateLimited,
  openAIStreamError,
  openAIStreamSteps,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import { defaultEstimator } from '../estimate/default-estimator.js';
import { isStreamInterruptedError } from '../transport/stream-interrupted.error.js';
import { OpenAIAdapter } from './openai.adapter.js';
import { SDK_TIMEOUT_MS } from './sdk-adapter.options.js';
import { isSdkCallError } from './sdk-errors.js';

const CANARY = 'sk-canary-7f3a9e';
const MESSAGES = [{ role: 'user' as const, content: 'Say hello to the adapter' }];
let server: OpenAIServer;

beforeAll(async () => {
  server = await startOpenAIServer({ apiKey: CANARY });
});
afterAll(() => server.close());
beforeEach(() => void (server.received.length = 0));

/** An executor on a virtual clock, and every event it finished. */
function setup(options: Partial<ExecutorOptions> = {}) {
  const clock = new VirtualClock(Date.now());
  const executor = Executor.create('openai-sdk', { concurrencyLimit: 4, requestsRate: 100, ...options }, { clock });
  const events: NetworkRequestEvent[] = [];
  const started: NetworkRequestEvent[] = [];
  executor.onStatus((c) => {
    if (c.from === 'PENDING') started.push(c.event);
    if (isTerminalStatus(c.to)) events.push(c.event);
  });
  const adapter = new OpenAIAdapter(CANARY, { executor, baseUrl: server.apiBaseUrl, timeoutMs: 5000 });
  return { clock, executor, events, started, adapter };
}

function expectNoCanary(error: unknown): void {
  const e = error as Error & { cause?: Error };
  for (const s of [String(e), e.stack, JSON.stringify(e), String(e.cause), e.cause?.stack, JSON.stringify(e.cause)])
    expect(s ?? '').not.toContain(CANARY);
}

describe('OpenAIAdapter through the official openai SDK', () => {
  it('a call is one executor event: the lane, the reservation and the usage reach it', async () => {
    const { events, adapter } = setup({ lanes: [{ name: 'interactive' }, { name: 'batch' }] });
    const params = { model: 'gpt-4o-mini', messages: MESSAGES, max_tokens: 50 };
    const completion = await adapter.call<ChatCompletion>('chat.completions.create', params, {
      lane: 'batch',
      metadata: { user: 'u1' },
    });
    expect(completion.choices[0]!.message.content).toBe('echo: Say hello to the adapter');
    expect(server.received).toHaveLength(1);
    expect(server.received[0]!.url).toBe('/v1/chat/completions');
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
    expect(events).toHaveLength(1);
    const ev = events[0]!;
    expect(ev.status).toBe('COMPLETED');
    expect(ev.lane).toBe('batch');
    expect(ev.metadata).toEqual({ user: 'u1' });
    // The reservation: max_tokens + the default estimator's input estimate (gpt-tokenizer for OpenAI).
    const input = defaultEstimator.estimateInput({ messages: MESSAGES }, 'gpt-4o-mini', 'openai');
    expect(input).toBe(completion.usage!.prompt_tokens);
    expect(ev.tokens).toBe(50 + input);
    expect(ev.actualTokens).toBe(completion.usage!.total_tokens);
    expect(completion.usage!.prompt_tokens).toBe(openAIPromptTokens(server.received[0]!.body!));
    // An explicit reservation wins over the estimate.
    await adapter.call('chat.completions.create', params, { tokens: 777 });
    expect(events[1]!.tokens).toBe(777);
  });

  it('the client is created once, with the SDK retries off and its timeout out of the way', async () => {
    const { adapter } = setup();
    const client = await adapter.client();
    expect(await adapter.client()).toBe(client);
    expect(client.maxRetries).toBe(0);
    expect(client.timeout).toBe(SDK_TIMEOUT_MS);
    expect(client.baseURL).toBe(server.apiBaseUrl);
  });

  it('SDK retries are off: a 429 then 200 costs 1 + our retries requests, on the executor clock', async () => {
    const { clock, events, started, adapter } = setup({ retry: { maxRetries: 2, baseDelayMs: 1, jitter: 'none' } });
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const call = adapter.call<ChatCompletion>('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES });
    await waitFor(() => started[0]?.logs.some((l) => l.includes('Retry 1 in 1000 ms')) === true);
    await clock.advance(999);
    await new Promise((r) => setTimeout(r, 30));
    expect(server.received).toHaveLength(1); // Retry-After honoured by the executor, not the SDK
    await clock.advance(100); // the pause ends; the emptied requests bucket refills one request in 10 ms
    const completion = await call;
    expect(completion.object).toBe('chat.completion');
    expect(server.received).toHaveLength(2);
    expect(events[0]!.attempts).toBe(2);
  });

  it('with our retry off, a 429 is exactly one request and rejects with UpstreamRateLimitError', async () => {
    const { events, adapter } = setup();
    server.enqueue(openAIRateLimited({ retryAfterSec: 1 }));
    const error: unknown = await adapter
      .call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(isUpstreamRateLimitError(error)).toBe(true);
    expect(error).toBe(events[0]!.error);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(1000);
    expect(server.received).toHaveLength(1);
  });

  it('passes our limiter: a second call beyond requestsRate fails at once with maxWaitMs 0', async () => {
    const { adapter } = setup({ requestsRate: 1, requestsPeriodMs: 60_000, maxWaitMs: 0 });
    await adapter.call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES });
    const error = await adapter
      .call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(isRateLimiterRejectedError(error)).toBe(true);
    expect(server.received).toHaveLength(1);
  });

  it('passes our limiter: with room to wait, the second call waits for the next request (virtual time)', async () => {
    const { clock, adapter } = setup({ requestsRate: 1, requestsPeriodMs: 10_000 });
    await adapter.call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES });
    let done = false;
    const second = adapter
      .call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES })
      .then(() => (done = true));
    await clock.advance(9_000);
    await new Promise((r) => setTimeout(r, 30));
    expect([done, server.received.length]).toEqual([false, 1]);
    await clock.advance(1_000);
    await second;
    expect(server.received).toHaveLength(2);
  });

  it('passes our breaker: open → CircuitBreakerOpenError and the server is not hit', async () => {
    const breaker = CircuitBreakerPolicy.create('openai-sdk-breaker');
    const { adapter } = setup({ circuitBreaker: breaker });
    breaker.forceOpen();
    const error = await adapter
      .call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect(isCircuitBreakerOpenError(error)).toBe(true);
    expect(server.received).toHaveLength(0);
  });

  it('streams through asFetch: deltas in order, usage from the stream on the event', async () => {
    const { events, adapter } = setup();
    const stream = await adapter.call<AsyncIterable<ChatCompletionChunk>>('chat.completions.create', {
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let total: number | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) total = chunk.usage.total_tokens;
    }
    expect(text).toBe('echo: Say hello to the adapter');
    await waitFor(() => events.length === 1);
    expect(events[0]!.status).toBe('COMPLETED');
    expect(total).toBeGreaterThan(0);
    expect(events[0]!.actualTokens).toBe(total);
    expect(server.received).toHaveLength(1);
  });

  it('a mid-stream error event fails the iteration with our typed error (StreamInterruptedError)', async () => {
    const { events, adapter } = setup();
    server.enqueue(openAIStreamError(['par', 'tial']));
    const stream = await adapter.call<AsyncIterable<ChatCompletionChunk>>('chat.completions.create', {
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('partial');
    expect(isStreamInterruptedError(error)).toBe(true);
    await waitFor(() => events.length === 1);
    expect(error).toBe(events[0]!.error);
  });

  it('breaking out of a stream cancels its event; the stream object keeps its SDK members', async () => {
    const { events, adapter } = setup();
    server.enqueue({ kind: 'stream', steps: [...openAIStreamSteps({ deltas: ['a', 'b'], done: false }), 'hang'] });
    const stream = await adapter.call<Stream<ChatCompletionChunk>>('chat.completions.create', {
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    });
    expect(stream.controller).toBeInstanceOf(AbortController);
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content === 'a') break;
    await waitFor(() => events.length === 1);
    expect(events[0]!.status).toBe('CANCELLED');
  });

  it('a bad method path is a ResilienceConfigError naming it, and nothing is sent', async () => {
    const { adapter } = setup();
    for (const path of ['chat.completions.nope', 'chat', '', 'constructor.constructor', 'chat.__proto__.x']) {
      const error = await adapter.call(path, {}).catch((e: unknown) => e);
      expect(isResilienceConfigError(error)).toBe(true);
      expect((error as Error).message).toContain(`sdkAdapters.openai.call.methodPath: ${JSON.stringify(path)}`);
    }
    expect(server.received).toHaveLength(0);
  });

  it('an SDK failure of its own (no HTTP exchange) is a SdkCallError', async () => {
    const { adapter } = setup();
    const error = await adapter.call('webhooks.unwrap', '{}').catch((e: unknown) => e);
    expect(isSdkCallError(error)).toBe(true);
    expect((error as Error).message).toContain('openai SDK call webhooks.unwrap failed');
    expect(server.received).toHaveLength(0);
  });

  it('the canary key is in no error, cause, stack or event (a 401 that echoes it)', async () => {
    const { events, adapter } = setup();
    server.enqueue(openAIInvalidKey(CANARY));
    const error = await adapter
      .call('chat.completions.create', { model: 'gpt-4o-mini', messages: MESSAGES })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('UpstreamAuthenticationError');
    expectNoCanary(error);
    expect(JSON.stringify(events[0]!.toJSON())).not.toContain(CANARY);
    expect(events[0]!.logs.join('\n')).not.toContain(CANARY);
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${CANARY}`);
  });
});
