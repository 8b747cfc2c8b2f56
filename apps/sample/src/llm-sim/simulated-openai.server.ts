// The sample's simulated OpenAI-compatible server, started when no provider key is in the
// environment so that `/ask` and `npm run batch` run offline. It is a SIMULATION: every answer
// says `[simulated]` and carries `x-simulated: true`. It enforces its own limits like a small
// real key (sim-limits.ts) and answers 429 with `Retry-After`, `retry-after-ms` and the OpenAI
// `x-ratelimit-*` headers above them; usage is computed from the request (sim-answer.ts).
//
//   const sim = await startSimulatedOpenAI({ ...simOptionsFromEnv(), logger: new Logger('LlmSim') });
//   // an iModel { provider: 'openai', baseUrl: sim.url, apiKey: 'sk-simulated', ... }; sim.stats(); sim.close()
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from 'nest-resilience/core';
import {
  parseChatRequest,
  simAnswer,
  simCompletionBody,
  simStreamPayloads,
  SIM_DEFAULT_MODEL,
  type SimChatRequest,
} from './sim-answer.js';
import { goDuration, SimWindow, type SimLimitsOptions } from './sim-limits.js';

/** Options of {@link startSimulatedOpenAI}. */
export interface SimulatedOpenAIOptions extends SimLimitsOptions {
  /** Port on 127.0.0.1. Default 0 (an ephemeral one; read `url`). */
  port?: number;
  /** Delay before a 200 answer, drawn uniformly in [min, max] ms from a seeded source. Default 20–80. */
  latencyMs?: { min: number; max: number };
  /** Seed of the latency draws. Default 1. */
  seed?: number;
  /** Pause between two stream chunks, ms. Default 5. */
  chunkDelayMs?: number;
  /** When set, a request whose `authorization` is not `Bearer <apiKey>` gets 401 (the key is never echoed). */
  apiKey?: string;
  /** Clock of the limit windows, ms. Default `performance.now`. */
  now?: () => number;
  /** Told when the server starts and stops (Nest's `Logger` fits). Default: silent. */
  logger?: { log(message: string): void };
}

/** What the simulated server answered so far (`stats()`, `GET /sim/stats` or `GET /v1/sim/stats`). */
export interface SimulatedOpenAIStats {
  /** Chat-completion requests received (any answer). */
  requests: number;
  /** Answered 200 (of which `streamed` as SSE). */
  ok: number;
  streamed: number;
  /** 429s sent, in all and by the limit that refused. */
  rateLimited: number;
  rateLimitedBy: { requests: number; tokens: number };
  badRequests: number;
  unauthorized: number;
  /** Usage of the 200 answers. */
  promptTokens: number;
  completionTokens: number;
  /** What the sliding window holds now. */
  window: { requests: number; tokens: number };
}

/** A running simulated server. */
export interface SimulatedOpenAI {
  /** The OpenAI base URL to configure (`http://127.0.0.1:<port>/v1`). */
  url: string;
  port: number;
  stats(): SimulatedOpenAIStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const CHAT_PATH = /^(\/v1)?\/chat\/completions$/;

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'x-simulated': 'true' }).end(payload);
}

const openAIError = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
});

/** Starts the simulated OpenAI-compatible server on 127.0.0.1. */
export async function startSimulatedOpenAI(options: SimulatedOpenAIOptions = {}): Promise<SimulatedOpenAI> {
  const window = new SimWindow(options);
  const now = options.now ?? (() => performance.now());
  const { min, max } = options.latencyMs ?? { min: 20, max: 80 };
  if (!(min >= 0 && max >= min)) throw new RangeError(`latencyMs must have 0 <= min <= max (got ${min}, ${max})`);
  const random = seededRandom(options.seed ?? 1);
  const chunkDelayMs = options.chunkDelayMs ?? 5;
  const expected = options.apiKey !== undefined ? `Bearer ${options.apiKey}` : undefined;
  const s: Omit<SimulatedOpenAIStats, 'window'> = {
    requests: 0,
    ok: 0,
    streamed: 0,
    rateLimited: 0,
    rateLimitedBy: { requests: 0, tokens: 0 },
    badRequests: 0,
    unauthorized: 0,
    promptTokens: 0,
    completionTokens: 0,
  };
  const stats = (): SimulatedOpenAIStats => ({
    ...s,
    rateLimitedBy: { ...s.rateLimitedBy },
    window: window.usage(now()),
  });

  const later = (res: ServerResponse, ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const timer = setTimeout(fn, ms);
    res.once('close', () => clearTimeout(timer));
  };

  const stream = (res: ServerResponse, payloads: string[], headers: Record<string, string>) => {
    if (res.destroyed) return;
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    res.once('close', () => clearTimeout(timer));
    const next = () => {
      if (res.destroyed || res.writableEnded) return;
      res.write(`data: ${payloads[i++]}\n\n`);
      if (i >= payloads.length) res.end();
      else if (chunkDelayMs <= 0) next();
      else timer = setTimeout(next, chunkDelayMs);
    };
    next();
  };

  const chat = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    s.requests++;
    const n = s.requests;
    if (expected !== undefined && req.headers.authorization !== expected) {
      s.unauthorized++;
      const message = 'Incorrect API key provided (simulated server).';
      return sendJson(res, 401, openAIError(message, 'invalid_request_error', 'invalid_api_key'));
    }
    let parsed: SimChatRequest | string;
    try {
      parsed = parseChatRequest(JSON.parse(raw));
    } catch {
      parsed = 'We could not parse the JSON body of your request.';
    }
    if (typeof parsed === 'string') {
      s.badRequests++;
      return sendJson(res, 400, openAIError(parsed, 'invalid_request_error', null));
    }
    const r = parsed;
    const answer = simAnswer(r);
    const used = answer.promptTokens + answer.completionTokens;
    const admission = window.admit(now(), used);
    const headers = { ...admission.headers, 'x-request-id': `req_sim_${n}`, 'x-simulated': 'true' };
    if (!admission.ok) {
      const reason = admission.reason!;
      s.rateLimited++;
      s.rateLimitedBy[reason]++;
      const limit = reason === 'requests' ? window.requestsPerWindow : window.tokensPerWindow;
      const message =
        `Rate limit reached for ${r.model} (simulated server) on ${reason} per ${goDuration(window.windowMs)}: ` +
        `Limit ${limit}, Requested ${reason === 'requests' ? 1 : used}. ` +
        `Please try again in ${goDuration(admission.retryAfterMs)}.`;
      return sendJson(res, 429, openAIError(message, reason, 'rate_limit_exceeded'), {
        ...headers,
        'retry-after': String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))),
        'retry-after-ms': String(Math.ceil(admission.retryAfterMs)),
      });
    }
    const latency = Math.round(min + random() * (max - min));
    later(res, latency, () => {
      if (res.destroyed) return;
      s.ok++;
      s.promptTokens += answer.promptTokens;
      s.completionTokens += answer.completionTokens;
      const h = { ...headers, 'openai-processing-ms': String(latency), 'openai-model': r.model };
      const id = `chatcmpl-sim-${n}`;
      if (!r.stream) return sendJson(res, 200, simCompletionBody(id, r, answer), h);
      s.streamed++;
      stream(res, simStreamPayloads(id, r, answer), h);
    });
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES)
        return sendJson(res, 413, openAIError('Request body too large.', 'invalid_request_error', null));
      if (req.method === 'GET' && /^(\/v1)?\/sim\/stats$/.test(path)) return sendJson(res, 200, stats());
      if (req.method === 'GET' && /^(\/v1)?\/models$/.test(path))
        return sendJson(res, 200, {
          object: 'list',
          data: [{ id: SIM_DEFAULT_MODEL, object: 'model', owned_by: 'simulated' }],
        });
      if (req.method === 'POST' && CHAT_PATH.test(path)) return chat(req, res, Buffer.concat(chunks).toString('utf8'));
      sendJson(
        res,
        404,
        openAIError(
          `Unknown request URL: ${req.method} ${path} (simulated server).`,
          'invalid_request_error',
          'unknown_url',
        ),
      );
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/v1`;
  options.logger?.log(
    `SIMULATED OpenAI-compatible server (a local simulation, not OpenAI) on ${url}: ` +
      `${window.requestsPerWindow} requests and ${window.tokensPerWindow} tokens per ${goDuration(window.windowMs)}`,
  );
  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    stats,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => options.logger?.log(`SIMULATED OpenAI-compatible server stopped (${s.rateLimited} 429s sent)`))),
  };
}
