import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Executor } from '../../executor/executor.js';
import { isRequestCancelledError } from '../../executor/errors/request-cancelled.error.js';
import { RequestStatus } from '../../executor/request-status.js';
import { isUpstreamServerError } from '../../http/errors/status.error.js';
import { isUpstreamConnectionError, isUpstreamTimeoutError } from '../../http/errors/transport.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import {
  openAIServerError,
  openAIStream,
  openAIStreamError,
  openAIStreamSteps,
  startOpenAIServer,
  type OpenAIServer,
} from '../testing-support/openai-server.js';
import { sseFrame } from '../testing-support/llm-test-server.js';
import { ModelTransport } from './model-transport.js';
import type { ModelStreamImpl } from './model-stream.js';
import { isStreamInterruptedError, type StreamInterruptedError } from './stream-interrupted.error.js';
import type { ModelCallOptions, ModelStream, ModelTransportOptions } from './transport.options.js';

const KEY = 'sk-canary-7f3a9e';
const OVERLOADED = { message: 'Overloaded', type: 'server_error', param: null, code: '503' };

let server: OpenAIServer;
beforeEach(async () => {
  server = await startOpenAIServer({ apiKey: KEY });
});
afterEach(async () => {
  await server.close();
});

function open(o: Partial<ModelTransportOptions> = {}, call: Partial<ModelCallOptions> = {}, url?: string): ModelStream {
  const executor = Executor.create('t', {
    concurrencyLimit: 4,
    requestsRate: 1000,
    retry: { maxRetries: 2, baseDelayMs: 1 },
  });
  const transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000, ...o });
  const config = { model: 'gpt-4o-mini', apiKey: KEY, baseUrl: server.apiBaseUrl, maxTokens: 50 };
  const req = openAIProvider.chatRequest({ messages: [{ role: 'user', content: 'stream me' }] }, config, true);
  return transport.openStream(url ?? server.apiBaseUrl + req.path, req.headers, JSON.stringify(req.body), {
    tokens: 400,
    ...call,
  });
}

async function drain(stream: AsyncIterable<string>): Promise<{ deltas: string[]; error: unknown }> {
  const deltas: string[] = [];
  try {
    for await (const d of stream) deltas.push(d);
    return { deltas, error: undefined };
  } catch (error) {
    return { deltas, error };
  }
}

function expectNoKey(...values: unknown[]): void {
  for (const v of values) {
    expect(JSON.stringify(v)).not.toContain(KEY);
    expect(String(v)).not.toContain(KEY);
    const stack = (v as { stack?: unknown } | undefined)?.stack;
    if (typeof stack === 'string') expect(stack).not.toContain(KEY);
  }
}

/**
 * An OpenAI-format SSE server (real node:http) that records, per request, whether the socket that
 * carried it closed. (`openConnections()` cannot tell: after an abort mid-body, undici 6 opens a
 * fresh idle connection for the aborted request, so the count stays 1 while the stream's own
 * connection is closed.) It sends a first delta `x`, then hangs.
 */
async function startHangingStream(): Promise<{ url: string; socketClosed: boolean[]; close(): Promise<void> }> {
  const socketClosed: boolean[] = [];
  const srv = http.createServer((req, res) => {
    const i = socketClosed.push(false) - 1;
    req.socket.on('close', () => (socketClosed[i] = true));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const step of openAIStreamSteps({ deltas: ['x'] }).slice(0, 2))
        res.write(sseFrame(step as { data: string }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/chat/completions`;
  return {
    url,
    socketClosed,
    close: () => new Promise<void>((r) => (srv.closeAllConnections(), srv.close(() => r()))),
  };
}

describe('ModelTransport.openStream', () => {
  it('yields the text deltas in order; result() has the text, the usage and the headers; usage reconciles', async () => {
    const stream = open();
    await stream.started();
    const { deltas, error } = await drain(stream);
    expect(error).toBeUndefined();
    const r = await stream.result();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(r.text);
    expect(r.text).toBe('echo: stream me');
    expect(r.finishReason).toBe('stop');
    expect(r.usage!.totalTokens).toBe(r.usage!.inputTokens + r.usage!.outputTokens);
    expect(stream.event.actualTokens).toBe(r.usage!.totalTokens);
    expect(r.headers['content-type']).toContain('text/event-stream');
    expect(stream.event.status).toBe(RequestStatus.COMPLETED);
    expectNoKey(stream.event);
  });

  it('a stream without usage keeps the reservation (nothing reported)', async () => {
    server.enqueue(openAIStream({ deltas: ['a', 'b'] }));
    const stream = open();
    expect((await drain(stream)).deltas).toEqual(['a', 'b']);
    expect((await stream.result()).usage).toBeUndefined();
    expect(stream.event.actualTokens).toBeUndefined();
  });

  it('retries an error event that arrives before the first delta (server hit twice)', async () => {
    server.enqueue(openAIStreamError([], OVERLOADED));
    const stream = open();
    const { deltas, error } = await drain(stream);
    expect(error).toBeUndefined();
    expect(deltas.join('')).toBe('echo: stream me');
    expect(server.received).toHaveLength(2);
    expect(stream.event.attempts).toBe(2);
  });

  it('an error event after the first delta ends the stream with a StreamInterruptedError (server hit once)', async () => {
    server.enqueue(openAIStreamError(['partial'], OVERLOADED));
    const stream = open();
    await expect(stream.started()).resolves.toBeUndefined();
    const { deltas, error } = await drain(stream);
    expect(deltas).toEqual(['partial']);
    expect(isStreamInterruptedError(error)).toBe(true);
    const e = error as StreamInterruptedError;
    expect(e.receivedChars).toBe('partial'.length);
    expect(e.isTransient).toBe(false);
    expect(isUpstreamServerError(e.cause)).toBe(true);
    await expect(stream.result()).rejects.toBe(error);
    expect(server.received).toHaveLength(1);
    expect(stream.event.status).toBe(RequestStatus.FAILED);
    expectNoKey(e, e.toJSON(), stream.event);
  });

  it('a connection drop after the first delta is a StreamInterruptedError with the typed connection error', async () => {
    const steps = openAIStreamSteps({ deltas: ['x', 'y'] }).slice(0, 3);
    server.enqueue({ kind: 'stream', steps: [...steps, { delayMs: 30 }, 'drop'] });
    const stream = open();
    const { deltas, error } = await drain(stream);
    expect(deltas).toEqual(['x', 'y']);
    expect(isStreamInterruptedError(error)).toBe(true);
    expect(isUpstreamConnectionError((error as StreamInterruptedError).cause)).toBe(true);
    expect(server.received).toHaveLength(1);
  });

  it('a non-2xx answer rejects started() and result() with the typed error (a POST 500: not retried)', async () => {
    server.enqueue(openAIServerError(500));
    const stream = open();
    const error = await stream.started().catch((e: unknown) => e);
    expect(isUpstreamServerError(error)).toBe(true);
    await expect(stream.result()).rejects.toBe(error);
    expect((await drain(stream)).error).toBe(error);
    expect(server.received).toHaveLength(1);
    expectNoKey(error);
  });

  it('a silence between two chunks times the stream out (StreamInterruptedError of an UpstreamTimeoutError)', async () => {
    const hanging = await startHangingStream();
    try {
      const stream = open({ timeoutMs: 150 }, {}, hanging.url);
      const { deltas, error } = await drain(stream);
      expect(deltas).toEqual(['x']);
      expect(isStreamInterruptedError(error)).toBe(true);
      expect(isUpstreamTimeoutError((error as StreamInterruptedError).cause)).toBe(true);
      await waitFor(() => hanging.socketClosed[0] === true);
    } finally {
      await hanging.close();
    }
  });

  it('cancel() mid-stream aborts the fetch: the server sees the connection close', async () => {
    const hanging = await startHangingStream();
    try {
      const stream = open({}, {}, hanging.url);
      const it = stream[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ done: false, value: 'x' });
      expect(hanging.socketClosed).toEqual([false]);
      stream.cancel('user left');
      await waitFor(() => hanging.socketClosed[0] === true);
      const error = await it.next().catch((e: unknown) => e);
      expect(isRequestCancelledError(error)).toBe(true);
      expect(stream.event.status).toBe(RequestStatus.CANCELLED);
    } finally {
      await hanging.close();
    }
  });

  it('breaking out of for-await cancels the call and closes the connection', async () => {
    const hanging = await startHangingStream();
    try {
      const stream = open({}, {}, hanging.url);
      for await (const d of stream) {
        expect(d).toBe('x');
        break;
      }
      await waitFor(() => hanging.socketClosed[0] === true);
      expect(stream.event.status).toBe(RequestStatus.CANCELLED);
    } finally {
      await hanging.close();
    }
  });

  it("the call's signal cancels it and closes the connection", async () => {
    const hanging = await startHangingStream();
    try {
      const ac = new AbortController();
      const stream = open({}, { signal: ac.signal }, hanging.url);
      await stream.started();
      expect(hanging.socketClosed).toEqual([false]);
      ac.abort();
      await waitFor(() => hanging.socketClosed[0] === true);
      expect(isRequestCancelledError(await stream.result().catch((e: unknown) => e))).toBe(true);
    } finally {
      await hanging.close();
    }
  });

  it('backpressure: the reader stops at the buffer size while the consumer is behind, and nothing is lost', async () => {
    const many = Array.from({ length: 200 }, (_, i) => `d${i} `);
    server.enqueue(openAIStream({ deltas: many }));
    const stream = open({ streamBuffer: 4 });
    await stream.started();
    await new Promise((r) => setTimeout(r, 50)); // let the reader run ahead as far as it can
    expect((stream as ModelStreamImpl).buffered).toBeLessThanOrEqual(4);
    expect(stream.event.status).toBe(RequestStatus.CALLING);
    const { deltas } = await drain(stream);
    expect(deltas).toEqual(many);
  });
});
