import type { Socket } from 'node:net';
import { ApiClientError, UpstreamConnectionError, UpstreamTimeoutError, ClientClosedError } from '../index.js';
import { ApiClient } from './api-client.js';
import { closedPort, waitFor } from '../testing-support/http-test-server.js';
import { client, clients, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

describe('ApiClient transport failures', () => {
  it('connection refused → UpstreamConnectionError ECONNREFUSED', async () => {
    const port = await closedPort();
    const c = new ApiClient({ name: 'down', baseUrl: `http://127.0.0.1:${port}` });
    clients.push(c);
    const e = (await failure(c.request('GET', '/x'))) as UpstreamConnectionError;
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.isTransient).toBe(true);
  });

  it('a socket reset mid-body → UpstreamConnectionError', async () => {
    const e = (await failure(client().request('GET', '/reset'))) as ApiClientError;
    expect(e).toBeInstanceOf(UpstreamConnectionError);
    expect(e.isTransient).toBe(true);
  });

  it('timeout → UpstreamTimeoutError with timeoutMs', async () => {
    const e = (await failure(client().request('GET', '/hang', { timeoutMs: 40 }))) as UpstreamTimeoutError;
    expect(e).toBeInstanceOf(UpstreamTimeoutError);
    expect(e.timeoutMs).toBe(40);
    expect(e.isTransient).toBe(true);
  });

  it('abort via signal rejects with the signal reason, before or during the request', async () => {
    const c = client();
    const before = new AbortController();
    const reason = new Error('stop');
    before.abort(reason);
    srv.received.length = 0;
    expect(await failure(c.request('GET', '/json', { signal: before.signal }))).toBe(reason);
    const during = new AbortController();
    const p = c.request('GET', '/hang', { signal: during.signal });
    await waitUntil(() => srv.received.some((r) => r.url === '/hang'));
    during.abort(reason);
    expect(await failure(p)).toBe(reason);
    expect(srv.received.filter((r) => r.url === '/json')).toHaveLength(0);
  });

  it('close() during a request fails it with ClientClosedError', async () => {
    const c = client();
    const p = c.request('GET', '/hang');
    await waitUntil(() => srv.received.some((r) => r.url === '/hang'));
    await c.close();
    const e = await failure(p);
    expect(e).toBeInstanceOf(ClientClosedError);
  });

  it('close() releases the keep-alive socket: the server sees it close at once', async () => {
    const sockets: Socket[] = [];
    const onConnection = (s: Socket) => sockets.push(s);
    srv.server.on('connection', onConnection);
    try {
      const c = client();
      await c.request('GET', '/json');
      await c.request('GET', '/text'); // same keep-alive socket
      expect(sockets).toHaveLength(1);
      let closed = false;
      sockets[0]!.once('close', () => (closed = true));
      await new Promise((r) => setTimeout(r, 5));
      expect(closed).toBe(false); // kept alive by the agent (the server would wait 5 s)
      await c.close();
      await waitFor(() => closed, 2000);
    } finally {
      srv.server.off('connection', onConnection);
    }
  });

  it('close() destroys the sockets; a later request → ClientClosedError, nothing sent', async () => {
    const c = client();
    await c.request('GET', '/json');
    await c.close();
    await c.close(); // idempotent
    srv.received.length = 0;
    const e = (await failure(c.request('GET', '/json'))) as ClientClosedError;
    expect(e).toBeInstanceOf(ClientClosedError);
    expect(e.client).toBe('test');
    expect(e.isTransient).toBe(false);
    expect(srv.received).toHaveLength(0);
    expect(c.closed).toBe(true);
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error('condition not met');
}
