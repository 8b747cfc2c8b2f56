import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the test server received it. @internal */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on 127.0.0.1 for the HTTP-layer specs. @internal */
export interface TestServer {
  server: http.Server;
  port: number;
  baseUrl: string;
  received: Received[];
  /** Replaces the handler (default: {@link defaultRoutes}). */
  handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
  close(): Promise<void>;
}

/**
 * Routes: `/json`, `/text`, `/empty` (204), `/empty-200`, `/status/<code>` (JSON error body,
 * `retry-after: 2` on 429), `/hang` (never answers), `/reset` (destroys the socket mid-body),
 * `/echo` (JSON of what was received), `/bad-json`.
 */
export function defaultRoutes(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/json')
    return void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"ok":true,"n":1}');
  if (path === '/text') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
  if (path === '/empty') return void res.writeHead(204).end();
  if (path === '/empty-200')
    return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' }).end();
  if (path === '/bad-json') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{nope');
  if (path === '/echo') {
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ method: req.method, url: req.url, body, contentType: req.headers['content-type'] ?? null }),
      );
  }
  if (path === '/hang') return;
  if (path === '/reset') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"partial":');
    setTimeout(() => req.socket.destroy(), 5);
    return;
  }
  const m = /^\/status\/(\d{3})$/.exec(path);
  if (m !== null) {
    const status = Number(m[1]);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `req_${status}` };
    if (status === 429) headers['retry-after'] = '2';
    return void res
      .writeHead(status, headers)
      .end(JSON.stringify({ error: { message: `failure ${status}`, type: 'test_error' } }));
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('no route');
}

/** Starts a server on an ephemeral loopback port. @internal */
export async function startTestServer(): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const received: Received[] = [];
  const ts = {} as TestServer;
  ts.handle = defaultRoutes;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      ts.handle(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(ts, {
    server,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return ts;
}

/** A loopback port nothing listens on (a server is opened and closed on it). @internal */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Waits (real time, bounded) until `cond()` holds. @internal */
export async function waitFor(cond: () => boolean, maxMs = 2000): Promise<void> {
  const end = Date.now() + maxMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}
