// A scriptable provider server for the llm layer's specs: a real node:http server on 127.0.0.1
// (ephemeral port). Each provider's server (openai-server.ts, anthropic-server.ts,
// gemini-server.ts) gives the default answer in its own wire format; a spec queues scripted
// answers (a JSON reply, a stream of SSE events, a hang, a dropped connection) that are used first,
// one per request, in order. Every request is recorded with its parsed body.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the server received it. @internal */
export interface LlmReceived {
  method: string;
  /** Path and query. */
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON body (undefined when it was not JSON). */
  body: Record<string, unknown> | undefined;
  rawBody: string;
  /**
   * Resolves when the socket that carried this request closes (a cancelled call's connection).
   * Prefer it to `openConnections()`: after a mid-body abort undici may open a fresh idle socket.
   */
  socketClosed: Promise<void>;
}

/** A JSON (or text) answer. @internal */
export interface ScriptedReply {
  kind?: 'reply';
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Wait before answering, ms (real time; keep it small). */
  delayMs?: number;
}

/** A step of a scripted stream. @internal */
export type StreamStep =
  /** One SSE event (`event:` line only when `event` is given). */
  | { event?: string; data: string }
  /** Pause between events, ms. */
  | { delayMs: number }
  /** Destroy the socket here (a connection drop mid-stream). */
  | 'drop'
  /** Stop sending, keep the connection open (until the client goes away). */
  | 'hang';

/** A `text/event-stream` answer. @internal */
export interface ScriptedStream {
  kind: 'stream';
  status?: number;
  headers?: Record<string, string>;
  steps: StreamStep[];
}

/** Answer nothing and keep the connection open, or destroy it before any byte. @internal */
export interface ScriptedFault {
  kind: 'hang' | 'drop';
}

export type Scripted = ScriptedReply | ScriptedStream | ScriptedFault;

/** Computes the default answer of a provider's server for one request. @internal */
export type DefaultAnswer = (req: LlmReceived) => Scripted;

/** A running scriptable server. @internal */
export interface LlmTestServer {
  baseUrl: string;
  port: number;
  received: LlmReceived[];
  /** Answers used first, one per request, in order. */
  enqueue(...answers: Scripted[]): void;
  /** Replaces the default answer. */
  setDefault(answer: DefaultAnswer): void;
  /** Sockets open now (a cancelled stream's connection closes). */
  openConnections(): number;
  close(): Promise<void>;
}

/** SSE framing of one event. @internal */
export function sseFrame(step: { event?: string; data: string }): string {
  const lines = step.data.split('\n').map((l) => `data: ${l}`);
  return `${step.event !== undefined ? `event: ${step.event}\n` : ''}${lines.join('\n')}\n\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function answer(a: Scripted, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (a.kind === 'hang' || a.kind === 'drop') return void (a.kind === 'drop' && req.socket.destroy());
  if (a.kind === 'stream') {
    res.writeHead(a.status ?? 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...a.headers });
    res.flushHeaders();
    for (const step of a.steps) {
      if (res.destroyed) return;
      if (step === 'drop') return void req.socket.destroy();
      if (step === 'hang') return;
      if ('delayMs' in step) await sleep(step.delayMs);
      else res.write(sseFrame(step));
    }
    return void res.end();
  }
  const r = a as ScriptedReply;
  if (r.delayMs !== undefined) await sleep(r.delayMs);
  const text = typeof r.body === 'string' ? r.body : r.body === undefined ? '' : JSON.stringify(r.body);
  const type = typeof r.body === 'string' ? 'text/plain' : 'application/json';
  res.writeHead(r.status ?? 200, { 'content-type': type, ...r.headers }).end(text);
}

/** One close promise (one listener) per socket, shared by the keep-alive requests it carries. */
const closed = new WeakMap<Socket, Promise<void>>();
function closedOf(socket: Socket): Promise<void> {
  let p = closed.get(socket);
  if (p === undefined) {
    p = socket.destroyed ? Promise.resolve() : new Promise<void>((resolve) => socket.once('close', () => resolve()));
    closed.set(socket, p);
  }
  return p;
}

/** Starts a scriptable server whose default answer is `defaultAnswer`. @internal */
export async function startLlmServer(defaultAnswer: DefaultAnswer): Promise<LlmTestServer> {
  const queue: Scripted[] = [];
  const received: LlmReceived[] = [];
  const sockets = new Set<Socket>();
  let fallback = defaultAnswer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (parsed !== null && typeof parsed === 'object') body = parsed as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      const socketClosed = closedOf(req.socket);
      const r: LlmReceived = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        rawBody,
        socketClosed,
      };
      received.push(r);
      let a: Scripted;
      try {
        a = queue.shift() ?? fallback(r);
      } catch (error) {
        // A default answer that throws is the server's bug: a 500 that says so, never an uncaught exception.
        a = { status: 500, body: { error: { message: `test server: ${String(error)}`, type: 'server_error' } } };
      }
      answer(a, req, res).catch(() => req.socket.destroy());
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    received,
    enqueue: (...answers) => void queue.push(...answers),
    setDefault: (a) => void (fallback = a),
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
