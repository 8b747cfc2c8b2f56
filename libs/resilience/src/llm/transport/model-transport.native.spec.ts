import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Executor } from '../../executor/executor.js';
import { isUpstreamConnectionError } from '../../http/errors/transport.error.js';
import { isApiClientError } from '../../http/errors/api-client.error.js';
import { waitFor } from '../../http/testing-support/http-test-server.js';
import { openAIProvider } from '../providers/openai/openai.provider.js';
import { IModel } from '../imodel/imodel.js';
import { ModelTransport } from './model-transport.js';
import type { ModelTransportOptions } from './transport.options.js';

// The transport's own HTTP client (node:http with a keep-alive agent) for non-streaming calls when
// no fetch is injected: what it sends, what it reads, how an exchange ends, and its sockets.

const KEY = 'sk-canary-n4t1ve-9c2e';
const OK = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 7, completion_tokens: 1, total_tokens: 8 },
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;
interface Seen {
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: Socket;
}

let server: http.Server;
let base: string;
let handler: Handler;
const seen: Seen[] = [];
const sockets = new Set<Socket>();
const open: Executor[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body, socket: req.socket });
      handler(req, res, body);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  for (const e of open.splice(0)) await e.stop({ drain: false });
  seen.length = 0;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const json = (res: http.ServerResponse, text = OK, headers: http.OutgoingHttpHeaders = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(text);

function setup(o: Partial<ModelTransportOptions> = {}) {
  const executor = Executor.create('native', { concurrencyLimit: 4, requestsRate: 1000 });
  open.push(executor);
  const transport = new ModelTransport(executor, { provider: openAIProvider, secrets: [KEY], timeoutMs: 5000, ...o });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
  const send = (body = '{"messages":[{"role":"user","content":"héllo"}]}') =>
    transport.sendJson(`${base}/v1/chat/completions`, headers, body, { tokens: 100 });
  return { transport, send };
}

describe('ModelTransport: its own HTTP client for JSON calls', () => {
  it('sends the headers and body as given, with Content-Length and a user agent; reads the JSON and usage', async () => {
    handler = (_q, res) => json(res);
    const { send } = setup();
    const { reply, event } = send();
    const r = await reply;
    expect(r.data).toMatchObject({ usage: { total_tokens: 8 } });
    expect(event.actualTokens).toBe(8);
    const s = seen[0]!;
    expect(s.body).toBe('{"messages":[{"role":"user","content":"héllo"}]}');
    expect(s.headers['content-length']).toBe(String(Buffer.byteLength(s.body)));
    expect(s.headers['user-agent']).toBe('nest-resilience');
    expect(s.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(s.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps the connection alive: sequential calls share one socket', async () => {
    handler = (_q, res) => json(res);
    const { send } = setup();
    for (let i = 0; i < 3; i++) await send().reply;
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)('decodes a %s answer', async (encoding, encode) => {
    handler = (_q, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding }).end(encode(OK));
    const { send } = setup();
    expect((await send().reply).data).toMatchObject({ id: 'chatcmpl-1' });
    expect(seen[0]!.headers['accept-encoding']).toBeUndefined();
  });

  it('repeated answer headers are joined with ", " (none dropped), credentials and cookies left out', async () => {
    handler = (_q, res) => {
      // Node's array form: the names as sent, repeats kept.
      res.writeHead(
        200,
        [
          ['Content-Type', 'application/json'],
          ['Retry-After', '1'],
          ['Retry-After', '2'],
          ['X-Note', 'a'],
          ['x-note', 'b'],
          ['Set-Cookie', 'k=v'],
          ['Set-Cookie', 'j=w'],
        ].flat(),
      );
      res.end(OK);
    };
    const { send } = setup();
    const { headers } = await send().reply;
    expect(headers['retry-after']).toBe('1, 2');
    expect(headers['x-note']).toBe('a, b');
    expect(headers['set-cookie']).toBeUndefined();
  });

  it("a user-agent in the call's headers is sent as given", async () => {
    handler = (_q, res) => json(res);
    const { transport } = setup();
    const h = { 'content-type': 'application/json', 'user-agent': 'my-app/1.0' };
    await transport.sendJson(`${base}/v1/chat/completions`, h, '{}', { tokens: 0 }).reply;
    expect(seen[0]!.headers['user-agent']).toBe('my-app/1.0');
  });

  const CUT: Record<string, [http.OutgoingHttpHeaders, Buffer]> = {
    'with a Content-Length': [{ 'content-length': String(OK.length) }, Buffer.from(OK)],
    chunked: [{}, Buffer.from(OK)],
    gzip: [{ 'content-encoding': 'gzip' }, gzipSync(OK.repeat(20))],
  };
  it.each(Object.keys(CUT))(
    'a connection reset in the middle of a body (%s) is an UpstreamConnectionError, without the key',
    async (kind) => {
      const [extra, bytes] = CUT[kind]!;
      handler = (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...extra });
        res.write(bytes.subarray(0, 20));
        setTimeout(() => res.socket?.destroy(), 5);
      };
      const { send } = setup();
      const e = await send().reply.catch((x: unknown) => x);
      expect(isUpstreamConnectionError(e)).toBe(true);
      expect(JSON.stringify(e) + String(e) + (e as Error).stack).not.toContain(KEY);
    },
  );

  it('does not follow a redirect: a 307 is the typed error of that status', async () => {
    handler = (_q, res) => res.writeHead(307, { location: `${base}/elsewhere` }).end();
    const { send } = setup();
    const e = await send().reply.catch((x: unknown) => x);
    expect(isApiClientError(e)).toBe(true);
    expect(e).toMatchObject({ status: 307 });
    expect(seen).toHaveLength(1);
  });

  it('cancel() while calling destroys the request: the server sees its socket close', async () => {
    handler = () => undefined; // never answers
    const { send } = setup();
    const { event, reply } = send();
    const settled = reply.catch((x: unknown) => x);
    await waitFor(() => seen.length > 0);
    const socket = seen[0]!.socket;
    const closed = new Promise<void>((r) => (socket.destroyed ? r() : socket.once('close', () => r())));
    event.cancel('user');
    expect(await settled).toMatchObject({ name: 'RequestCancelledError' });
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it('close() closes the idle sockets it kept', async () => {
    handler = (_q, res) => json(res);
    const { send, transport } = setup();
    await send().reply;
    const socket = seen[0]!.socket;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    transport.close();
    await closed;
    expect(sockets.has(socket)).toBe(false);
  });

  it("IModel.close() closes its model's sockets once its executor stopped", async () => {
    handler = (_q, res) => json(res);
    const model = IModel.create('native-close', {
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: KEY,
      baseUrl: `${base}/v1`,
      executor: { concurrencyLimit: 2, requestsRate: 100 },
    });
    expect((await model.chat({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('hi');
    const socket = seen[0]!.socket;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    await model.close();
    await closed;
    expect(sockets.has(socket)).toBe(false);
  });

  it('an injected fetch carries every call instead (the native client is not used)', async () => {
    handler = (_q, res) => json(res);
    let calls = 0;
    const { send } = setup({ fetch: (input, init) => (calls++, fetch(input, init)) });
    await send().reply;
    await send().reply;
    expect(calls).toBe(2);
    expect(seen.map((s) => s.headers['user-agent'])).not.toContain('nest-resilience');
  });
});
