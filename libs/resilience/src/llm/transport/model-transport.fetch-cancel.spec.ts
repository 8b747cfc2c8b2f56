import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Executor } from '../../executor/executor.js';
import type { NetworkRequestEvent } from '../../executor/network-request-event.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import { sseFrame } from '../testing-support/llm-test-server.js';
import { openAIStreamSteps } from '../testing-support/openai-server.js';
import { ModelTransport } from './model-transport.js';

const KEY = 'sk-canary-7f3a9e';

/**
 * An OpenAI-format SSE server that sends a first delta `x`, then hangs, and records per request
 * whether the socket that carried it closed (`openConnections()` cannot prove a close: undici
 * opens a fresh idle socket after an abort mid-body, nodejs/undici#5845).
 */
async function startHangingStream(
  frames = 1,
): Promise<{ url: string; socketClosed: boolean[]; close(): Promise<void> }> {
  const socketClosed: boolean[] = [];
  const srv = http.createServer((req, res) => {
    const i = socketClosed.push(false) - 1;
    req.socket.on('close', () => (socketClosed[i] = true));
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const steps = openAIStreamSteps({ deltas: ['x'] });
      // frames > 1: role-only chunks (no text delta) that fill the transport's channel first.
      for (let f = 1; f < frames; f++) res.write(sseFrame(steps[0] as { data: string }));
      res.write(sseFrame(steps[1] as { data: string }));
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/chat/completions`,
    socketClosed,
    close: () => new Promise<void>((r) => (srv.closeAllConnections(), srv.close(() => r()))),
  };
}

function setup(streamBuffer?: number): { transport: ModelTransport; events: NetworkRequestEvent[] } {
  const executor = Executor.create('fetch-cancel', { concurrencyLimit: 2, requestsRate: 100 });
  const events: NetworkRequestEvent[] = [];
  executor.onStatus((c) => {
    if (!events.includes(c.event)) events.push(c.event);
  });
  const transport = new ModelTransport(executor, {
    provider: openAIProvider,
    secrets: [KEY],
    timeoutMs: 5000,
    streamBuffer,
  });
  return { transport, events };
}

const init = (): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
});

describe('ModelTransport.asFetch: cancelling the body', () => {
  it("reader.cancel() after the Response arrived cancels the event and closes the request's socket", async () => {
    const hanging = await startHangingStream();
    const { transport, events } = setup();
    try {
      const res = await transport.asFetch()(hanging.url, init());
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toContain('chat.completion.chunk');
      expect(hanging.socketClosed).toEqual([false]);
      await reader.cancel();
      await waitFor(() => hanging.socketClosed[0] === true);
      await waitFor(() => events[0]?.status === 'CANCELLED');
    } finally {
      await hanging.close();
    }
  });

  it('cancelling the body while the transport waits on a full channel closes the socket too', async () => {
    const hanging = await startHangingStream(4);
    const { transport, events } = setup(2);
    try {
      // No text delta yet: the Response is handed out because the channel (2 chunks) is full.
      const res = await transport.asFetch()(hanging.url, init());
      await waitFor(() => hanging.socketClosed.length === 1);
      expect(hanging.socketClosed).toEqual([false]);
      await res.body!.cancel();
      await waitFor(() => hanging.socketClosed[0] === true);
      await waitFor(() => events[0]?.status === 'CANCELLED');
    } finally {
      await hanging.close();
    }
  });
});
