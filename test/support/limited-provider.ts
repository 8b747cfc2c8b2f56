// A local rate-limited "provider" for the multi-process executor suites: a real node:http server
// on 127.0.0.1 that speaks the OpenAI chat-completions wire format minimally, allows `requests`
// per sliding window (and optionally `tokens` per window, counting the usage it reports) and
// answers 429 with `Retry-After` and OpenAI-style `x-ratelimit-*` headers above it. It records
// every arrival (the lane / process / task headers the caller sends) so the suites count on the
// server's side.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Headers the callers send (all optional). */
export const PROVIDER_HEADERS = {
  lane: 'x-lane',
  process: 'x-process',
  task: 'x-task-id',
  /** The token estimate the caller reserved: the reported usage is `usageFactor ×` this. */
  estimate: 'x-estimated-tokens',
} as const;

export interface LimitedProviderOptions {
  /** Requests allowed in any window of `windowMs` (window `(t - windowMs, t]`). */
  requests: number;
  windowMs: number;
  /** Tokens (reported usage) allowed per window; none when absent. */
  tokens?: number;
  /** Reported usage = round(estimate × usageFactor); default 1. */
  usageFactor?: number;
  /** Delay before each answer; default 3 ms. */
  latencyMs?: number;
  /** Clock in ms (default `performance.now`); inject one in its own spec. */
  now?: () => number;
  /** Arrivals recorded at most (bounded memory); default 100,000. */
  maxRecords?: number;
}

/** One request as the provider saw it. */
export interface Arrival {
  at: number;
  status: 200 | 429;
  /** Why it was refused: the requests or the tokens window. */
  reason?: 'requests' | 'tokens';
  lane: string | null;
  process: string | null;
  task: string | null;
  /** Usage it reported (and counted) when accepted; the would-be usage when refused. */
  usage: number;
}

export interface ProviderStats {
  arrivals: number;
  ok: number;
  rejected: number;
  rejectedBy: { requests: number; tokens: number };
  /** The most arrivals (any status) in one window of `windowMs`. */
  maxRequestsInWindow: number;
  /** The most usage (any status) arriving in one window of `windowMs`. */
  maxTokensInWindow: number;
  /** Accepted arrivals per `process/lane`. */
  okBy: Record<string, number>;
  /** Task ids that arrived more than once. */
  duplicates: number;
  /** The first 5 refusals, each with what its window held (accepted arrivals per `process/lane`): for diagnosis. */
  refusals: Array<{ at: number; reason: string; window: Record<string, number> }>;
}

export interface LimitedProvider {
  baseUrl: string;
  /** `${baseUrl}/v1/chat/completions`. */
  url: string;
  arrivals: Arrival[];
  stats(): ProviderStats;
  close(): Promise<void>;
}

/** OpenAI's duration format for `x-ratelimit-reset-*` ("1s", "250ms"). */
const resetFormat = (ms: number) => (ms >= 1000 ? `${Math.ceil(ms / 100) / 10}s` : `${Math.max(0, Math.ceil(ms))}ms`);

/** Most entries, or most summed weight, with `at` inside one window of `windowMs` (two pointers; `at` ascending). */
export function maxInWindow(items: ReadonlyArray<{ at: number }>, windowMs: number, weight: (i: number) => number) {
  let best = 0;
  let sum = 0;
  let lo = 0;
  for (let hi = 0; hi < items.length; hi++) {
    sum += weight(hi);
    while (items[lo]!.at <= items[hi]!.at - windowMs) sum -= weight(lo++);
    if (sum > best) best = sum;
  }
  return best;
}

/** Starts the provider on an ephemeral loopback port. */
export async function startLimitedProvider(options: LimitedProviderOptions): Promise<LimitedProvider> {
  const { requests, windowMs, tokens = Infinity, usageFactor = 1, latencyMs = 3, maxRecords = 100_000 } = options;
  const now = options.now ?? (() => performance.now());
  const arrivals: Arrival[] = [];
  // The accepted requests still in the window (a queue with a head index, compacted now and then).
  const window: Array<{ at: number; usage: number }> = [];
  let head = 0;
  let windowTokens = 0;
  let seq = 0;

  const slide = (t: number) => {
    while (head < window.length && window[head]!.at <= t - windowMs) windowTokens -= window[head++]!.usage;
    if (head > 1024 && head * 2 > window.length) {
      window.splice(0, head);
      head = 0;
    }
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t = now();
    slide(t);
    const header = (name: string) => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : null;
    };
    const estimate = Number(header(PROVIDER_HEADERS.estimate) ?? 0);
    const usage = Math.round((Number.isFinite(estimate) ? estimate : 0) * usageFactor);
    const inWindow = window.length - head;
    const reason =
      inWindow >= requests ? ('requests' as const) : windowTokens + usage > tokens ? ('tokens' as const) : undefined;
    if (arrivals.length < maxRecords) {
      const task = header(PROVIDER_HEADERS.task);
      const lane = header(PROVIDER_HEADERS.lane);
      const process = header(PROVIDER_HEADERS.process);
      arrivals.push({ at: t, status: reason === undefined ? 200 : 429, reason, lane, process, task, usage });
    }
    if (reason === undefined) {
      window.push({ at: t, usage });
      windowTokens += usage;
    }
    const resetMs = head < window.length ? window[head]!.at + windowMs - t : 0;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-ratelimit-limit-requests': String(requests),
      'x-ratelimit-remaining-requests': String(Math.max(0, requests - (window.length - head))),
      'x-ratelimit-reset-requests': resetFormat(resetMs),
    };
    if (tokens !== Infinity) {
      headers['x-ratelimit-limit-tokens'] = String(tokens);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tokens - windowTokens));
      headers['x-ratelimit-reset-tokens'] = resetFormat(resetMs);
    }
    const answer = () => {
      if (reason !== undefined) {
        headers['retry-after'] = String(Math.max(1, Math.ceil(resetMs / 1000)));
        const message = `Rate limit reached for ${reason} (limit ${reason === 'requests' ? requests : tokens})`;
        res.writeHead(429, headers).end(JSON.stringify({ error: { message, type: 'rate_limit_exceeded' } }));
        return;
      }
      const completion = Math.floor(usage / 2);
      const body = {
        id: `chatcmpl-${++seq}`,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: usage - completion, completion_tokens: completion, total_tokens: usage },
      };
      res.writeHead(200, headers).end(JSON.stringify(body));
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  };

  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    req.resume(); // the body is not needed: everything the provider counts comes in headers
    req.on('end', () => handle(req, res));
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const stats = (): ProviderStats => {
    const okBy: Record<string, number> = {};
    const seen = new Set<string>();
    let duplicates = 0;
    let ok = 0;
    const rejectedBy = { requests: 0, tokens: 0 };
    const refusals: ProviderStats['refusals'] = [];
    for (const a of arrivals) {
      if (a.status === 429 && refusals.length < 5) {
        const window: Record<string, number> = {};
        for (const b of arrivals)
          if (b.status === 200 && b.at > a.at - windowMs && b.at <= a.at)
            window[`${b.process}/${b.lane}`] = (window[`${b.process}/${b.lane}`] ?? 0) + 1;
        refusals.push({ at: Math.round(a.at), reason: a.reason!, window });
      }
      if (a.status === 200) {
        ok++;
        const key = `${a.process}/${a.lane}`;
        okBy[key] = (okBy[key] ?? 0) + 1;
      } else rejectedBy[a.reason!]++;
      if (a.task !== null) {
        if (seen.has(a.task)) duplicates++;
        seen.add(a.task);
      }
    }
    return {
      arrivals: arrivals.length,
      ok,
      rejected: arrivals.length - ok,
      rejectedBy,
      maxRequestsInWindow: maxInWindow(arrivals, windowMs, () => 1),
      maxTokensInWindow: maxInWindow(arrivals, windowMs, (i) => arrivals[i]!.usage),
      okBy,
      duplicates,
      refusals,
    };
  };

  return {
    baseUrl,
    url: `${baseUrl}/v1/chat/completions`,
    arrivals,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
