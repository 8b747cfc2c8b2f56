import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { VirtualClock } from '../../core/clock.js';
import { Executor } from '../../executor/executor.js';
import type { ExecutorOptions } from '../../executor/executor.options.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { isTerminalStatus } from '../../executor/request-status.js';
import { isUpstreamRateLimitError } from '../../http/errors/status.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import type { LlmTestServer } from '../testing-support/llm-test-server.js';
import {
  anthropicOverloaded,
  anthropicRateLimited,
  anthropicStreamError,
  anthropicUnauthorized,
  startAnthropicServer,
} from '../testing-support/anthropic-server.js';
import { defaultEstimator } from '../estimate/default-estimator.js';
import { isStreamInterruptedError } from '../transport/stream-interrupted.error.js';
import { AnthropicAdapter } from './anthropic.adapter.js';

const CANARY = 'sk-canary-7f3a9e';
const PARAMS = { model: 'claude-test', max_tokens: 64, messages: [{ role: 'user' as const, content: 'Hello Claude' }] };
let server: LlmTestServer;

beforeAll(async () => {
  server = await startAnthropicServer({ cacheRead: 2 });
});
afterAll(() => server.close());
beforeEach(() => void (server.received.length = 0));

function setup(options: Partial<ExecutorOptions> = {}) {
  const clock = new VirtualClock(Date.now());
  const executor = Executor.create('anthropic-sdk', { concurrencyLimit: 4, requestsRate: 100, ...options }, { clock });
  const events: NetworkRequestEvent[] = [];
  const started: NetworkRequestEvent[] = [];
  executor.onStatus((c) => {
    if (c.from === 'PENDING') started.push(c.event);
    if (isTerminalStatus(c.to)) events.push(c.event);
  });
  const adapter = new AnthropicAdapter(CANARY, { executor, baseUrl: server.baseUrl, timeoutMs: 5000 });
  return { clock, events, started, adapter };
}

describe('AnthropicAdapter through the official @anthropic-ai/sdk', () => {
  it('messages.create is one event; usage (cache reads included) reconciles the reservation', async () => {
    const { events, adapter } = setup({ lanes: [{ name: 'interactive' }, { name: 'batch' }] });
    const message = await adapter.call<Message>('messages.create', PARAMS, { lane: 'interactive' });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Reply to: Hello Claude' });
    expect(server.received).toHaveLength(1);
    const req = server.received[0]!;
    expect(req.url).toBe('/v1/messages');
    // @anthropic-ai/sdk 1.16 sends the key as `authorization: Bearer` (older majors: `x-api-key`).
    expect(`${req.headers['x-api-key'] ?? ''} ${req.headers.authorization ?? ''}`).toContain(CANARY);
    expect(req.headers['anthropic-version']).toBeDefined(); // the SDK's own (2026-10-21 in 1.16)
    const ev = events[0]!;
    expect([ev.status, ev.lane]).toEqual(['COMPLETED', 'interactive']);
    expect(ev.tokens).toBe(
      64 + defaultEstimator.estimateInput({ messages: PARAMS.messages }, 'claude-test', 'anthropic'),
    );
    const u = message.usage;
    expect(u.cache_read_input_tokens).toBe(2);
    expect(ev.actualTokens).toBe(u.input_tokens + u.output_tokens + (u.cache_read_input_tokens ?? 0));
  });

  it('SDK retries are off: a 529 then 200 costs 1 + our retries requests', async () => {
    const { clock, events, started, adapter } = setup({ retry: { maxRetries: 3, baseDelayMs: 100, jitter: 'none' } });
    server.enqueue(anthropicOverloaded());
    const call = adapter.call<Message>('messages.create', PARAMS);
    await waitFor(() => started[0]?.logs.some((l) => l.includes('Retry 1 in')) === true);
    expect(server.received).toHaveLength(1);
    await clock.advance(200);
    await call;
    expect(server.received).toHaveLength(2);
    expect(events[0]!.attempts).toBe(2);
  });

  it('with our retry off, a 429 is one request and an UpstreamRateLimitError', async () => {
    const { adapter } = setup();
    server.enqueue(anthropicRateLimited(3));
    const error = await adapter.call('messages.create', PARAMS).catch((e: unknown) => e);
    expect(isUpstreamRateLimitError(error)).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(3000);
    expect(server.received).toHaveLength(1);
  });

  it('streams: the SDK stream yields the events, the usage of the stream reaches the event', async () => {
    const { events, adapter } = setup();
    const stream = await adapter.call<AsyncIterable<RawMessageStreamEvent>>('messages.create', {
      ...PARAMS,
      stream: true,
    });
    let text = '';
    for await (const e of stream)
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
    expect(text).toBe('Reply to: Hello Claude');
    await waitFor(() => events.length === 1);
    expect(events[0]!.status).toBe('COMPLETED');
    expect(events[0]!.actualTokens).toBeGreaterThan(0);
  });

  it('an in-stream error event (Anthropic sends them inside a 200) fails the iteration typed', async () => {
    const { events, adapter } = setup();
    server.enqueue(anthropicStreamError(['Hel', 'lo']));
    const stream = await adapter.call<AsyncIterable<RawMessageStreamEvent>>('messages.create', {
      ...PARAMS,
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const e of stream)
        if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
    })().catch((e: unknown) => e);
    expect(text).toBe('Hello');
    expect(isStreamInterruptedError(error)).toBe(true);
    await waitFor(() => events.length === 1);
    expect(error).toBe(events[0]!.error);
  });

  it('the canary key is in no error, cause, stack or event', async () => {
    const { events, adapter } = setup();
    server.enqueue(anthropicUnauthorized(`invalid x-api-key ${CANARY}`));
    const error = (await adapter.call('messages.create', PARAMS).catch((e: unknown) => e)) as Error & { cause?: Error };
    expect(error.name).toBe('UpstreamAuthenticationError');
    const all = [String(error), error.stack, JSON.stringify(error), String(error.cause), error.cause?.stack];
    for (const s of [...all, JSON.stringify(events[0]!.toJSON()), events[0]!.logs.join('\n')])
      expect(s ?? '').not.toContain(CANARY);
  });
});
